// A docassemble deployment's leftovers, made with the commands docassemble's own shutdown
// runs: `pg_dump -F c` of each database (run-postgresql.sh), Redis's SAVE (its dump.rdb
// becomes `redis.rdb`), and a config.yml as docassemble's initialize.sh renders it. The
// PostgreSQL and Redis that produce them are started through rolevisor (sql:redis, local
// store) and thrown away; only the bytes are kept.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE_ENV } from '../../helpers/rolevisor-process.js';
import { boot, DBPASSWORD, newCycle, withRedis, write, type Cycle } from '../../helpers/backup-cycle.js';

export interface DocassembleObjects {
  /** Key → bytes, exactly the names docassemble uses in its bucket, container or backup folder. */
  objects: Map<string, Buffer>;
}

const pgDump = (): string => {
  const major = readdirSync('/usr/lib/postgresql').sort().at(-1)!;
  return `/usr/lib/postgresql/${major}/bin/pg_dump`;
};

export const DA_SECRET = 'da-secret-key-kept-across-the-move';

export function docassembleConfig(): string {
  return [
    'debug: True',
    'use https: False',
    'db:',
    '  prefix: postgresql+psycopg2://',
    '  name: docassemble',
    '  user: docassemble',
    `  password: '${DBPASSWORD}'`,
    '  host: null',
    '  port: null',
    '  table prefix: null',
    `secretkey: '${DA_SECRET}'`,
    'timezone: America/New_York',
    'os locale: en_US.UTF-8 UTF-8',
    'backup days: 14',
    '',
  ].join('\n');
}

/** Boots a throwaway sql:redis in `home`, writes 50 rows and a key tagged "da", dumps and saves. */
export async function makeDocassembleObjects(home: string): Promise<DocassembleObjects> {
  const cycle: Cycle = await newCycle(home, {});
  const rv = await boot(cycle);
  try {
    await write(cycle, 'da', 50);
    const dump = await execa(
      pgDump(),
      ['-F', 'c', '-h', '127.0.0.1', '-p', String(cycle.ports.db), '-U', 'docassemble', 'docassemble'],
      { env: { ...BASE_ENV, PGPASSWORD: DBPASSWORD }, extendEnv: false, encoding: 'buffer' },
    );
    await withRedis(cycle, (redis) => redis.call('SAVE'));
    const rdb = await readFile(join(home, 'data', 'redis', 'dump.rdb'));
    return {
      objects: new Map([
        ['postgres/docassemble', Buffer.from(dump.stdout)],
        ['redis.rdb', rdb],
        ['config.yml', Buffer.from(docassembleConfig())],
        ['files/000/000/001/upload.txt', Buffer.from('an uploaded file\n')],
      ]),
    };
  } finally {
    await rv.stop('SIGTERM');
  }
}

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
