// The backup benchmark (issue 4): ~1 GiB of poorly compressible rows (random hex text, not
// pgbench) plus 1 M Redis keys, measured side by side in one run against the S3 API
// (s3rver in a child process, started here):
//   (a) bare `pg_dump -Fc -Z0 > /dev/null` — the floor;
//   (b) rolevisor's SIGTERM → exit, with the full backup to S3;
//   (c) the docassemble way: `pg_dump -Fc` to a temp file, Redis SAVE, then upload both;
//   (d) bare `pg_restore` of the local default `-Fc` dump into a fresh cluster;
//   (e) rolevisor's boot with the restore from S3, against its boot without one.
// Results go to docs/benchmarks.md.
import { createReadStream } from 'node:fs';
import { chown, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { createLogger } from '../src/log.js';
import { backendEnv } from '../src/services/shared/backend-env.js';
import { postgresBinaries } from '../src/services/postgres/binaries.js';
import { S3Store } from '../src/store/s3-store.js';
import { lookupUser } from '../src/util/identity.js';
import { freePort, tempHome } from '../tests/helpers/env.js';
import { RolevisorProcess } from '../tests/helpers/rolevisor-process.js';
import { startS3rver, type S3rverHandle } from '../tests/integration/store/s3rver-server.js';

const MIB = 1024 * 1024;

export interface BenchOptions {
  /** Size of the table data to generate. */
  dataMiB: number;
  redisKeys: number;
  stopTimeoutSec: number;
  say: (line: string) => void;
}

export interface Measurement {
  key: string;
  what: string;
  seconds: number;
  bytes?: number;
  note?: string;
}

export interface BenchResult {
  options: Omit<BenchOptions, 'say'>;
  machine: string;
  databaseBytes: number;
  rdbBytes: number;
  loadSeconds: number;
  measurements: Measurement[];
}

const seconds = (startedNs: bigint) => Number(process.hrtime.bigint() - startedNs) / 1e9;
const now = () => process.hrtime.bigint();

/** Rows of random hex "words": about as compressible as real text in a database (2:1). */
function* rowBatches(totalBytes: number): Generator<Buffer> {
  const rowsPerBatch = 1000;
  let written = 0;
  while (written < totalBytes) {
    const hex = randomBytes(rowsPerBatch * 15 * 16).toString('hex');
    let text = '';
    for (let r = 0; r < rowsPerBatch; r += 1) {
      const base = r * 15 * 32;
      const words: string[] = [];
      for (let w = 1; w < 15; w += 1) words.push(hex.slice(base + w * 32, base + (w + 1) * 32));
      text += `${hex.slice(base, base + 32)}\t${words.join(' ')}\n`;
    }
    const buffer = Buffer.from(text);
    written += buffer.length;
    yield buffer;
  }
}

export async function loadPostgres(port: number, bin: string, password: string, dataBytes: number): Promise<void> {
  const env = backendEnv('/tmp', {
    PGHOST: '127.0.0.1',
    PGPORT: String(port),
    PGUSER: 'docassemble',
    PGDATABASE: 'docassemble',
    PGPASSWORD: password,
    PGOPTIONS: '-c synchronous_commit=off',
  });
  const psql = (sql: string) =>
    execa(join(bin, 'psql'), ['-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { env, extendEnv: false });
  await psql(
    'CREATE TABLE docs (id bigserial PRIMARY KEY, created timestamptz NOT NULL DEFAULT now(), title text NOT NULL, body text NOT NULL)',
  );
  const copy = execa(join(bin, 'psql'), ['-v', 'ON_ERROR_STOP=1', '-q', '-c', 'COPY docs (title, body) FROM STDIN'], {
    env,
    extendEnv: false,
    stdin: 'pipe',
  });
  for (const batch of rowBatches(dataBytes)) {
    if (!copy.stdin!.write(batch)) await new Promise((resolve) => copy.stdin!.once('drain', resolve));
  }
  copy.stdin!.end();
  await copy;
  await psql('CREATE INDEX docs_title ON docs (title)');
  await psql('VACUUM ANALYZE docs');
}

export async function loadRedis(port: number, keys: number): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port });
  let pipeline = redis.pipeline();
  for (let i = 0; i < keys; i += 1) {
    pipeline.set(`key:${i}`, randomBytes(50).toString('hex'));
    if (i % 10_000 === 9_999) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  }
  await pipeline.exec();
  redis.disconnect();
}

function rolevisorEnv(
  home: string,
  ports: Record<string, number>,
  s3: S3rverHandle,
  stopTimeoutSec: number,
): Record<string, string> {
  return {
    CONTAINERROLE: 'sql:redis',
    ROLEVISOR_HOME: home,
    DBPASSWORD: 'bench-password-1',
    DBPORT: String(ports.db),
    REDISPORT: String(ports.redis),
    STATUSPORT: String(ports.status),
    STOPTIMEOUT: String(stopTimeoutSec),
    // Once a year: no scheduled backup runs during the benchmark.
    BACKUPSCHEDULE: '0 0 1 1 *',
    S3BUCKET: 'rolevisor-bench',
    S3ENDPOINTURL: s3.endpoint,
    S3ACCESSKEY: 'S3RVER',
    S3SECRETACCESSKEY: 'S3RVER',
  };
}

export async function runBackupBench(options: BenchOptions): Promise<BenchResult> {
  const { say } = options;
  const home = await tempHome('rolevisor-bench-');
  const s3 = await startS3rver();
  const ports = { db: await freePort(), redis: await freePort(), status: await freePort() };
  const env = rolevisorEnv(home.dir, ports, s3, options.stopTimeoutSec);
  const bin = postgresBinaries(undefined).bin;
  const postgresUser = await lookupUser('postgres');
  const measurements: Measurement[] = [];
  const pgRun = join(home.dir, 'run', 'postgres');
  const superuserPassword = async () =>
    (await readFile(join(home.dir, 'secrets', 'postgres-superuser.password'), 'utf8')).trim();
  const dumpEnv = async (database = 'docassemble') =>
    backendEnv(pgRun, {
      PGHOST: pgRun,
      PGPORT: String(ports.db),
      PGUSER: 'postgres',
      PGDATABASE: database,
      PGPASSWORD: await superuserPassword(),
    });
  const asPostgres = { uid: postgresUser.uid, gid: postgresUser.gid, extendEnv: false } as const;
  let rv: RolevisorProcess | undefined;
  try {
    say('boot without restore (empty store)…');
    let started = now();
    rv = new RolevisorProcess(['run'], env);
    await rv.ready(300_000);
    const startSeconds = seconds(started);
    measurements.push({
      key: 'start',
      what: 'rolevisor boot, empty store (initdb, PostgreSQL and Redis ready)',
      seconds: startSeconds,
    });

    say(`loading ${options.dataMiB} MiB of random text rows and ${options.redisKeys} Redis keys…`);
    started = now();
    await loadPostgres(ports.db, bin, env.DBPASSWORD!, options.dataMiB * MIB);
    await loadRedis(ports.redis, options.redisKeys);
    const loadSeconds = seconds(started);
    const databaseBytes = Number(
      (
        await execa(join(bin, 'psql'), ['-At', '-c', "SELECT pg_database_size('docassemble')"], {
          ...asPostgres,
          env: await dumpEnv(),
        })
      ).stdout,
    );
    say(`loaded in ${loadSeconds.toFixed(1)} s; database ${(databaseBytes / MIB).toFixed(0)} MiB`);

    // (a) The floor: the dump alone, uncompressed, to nowhere (once to warm the cache, then measured).
    const bareDump = async () => {
      const t = now();
      await execa(join(bin, 'pg_dump'), ['-Fc', '-Z0', '-w'], {
        ...asPostgres,
        env: await dumpEnv(),
        stdout: 'ignore',
        cwd: pgRun,
      });
      return seconds(t);
    };
    await bareDump();
    const a = await bareDump();
    measurements.push({ key: 'a', what: 'bare `pg_dump -Fc -Z0 > /dev/null`', seconds: a });
    say(`(a) ${a.toFixed(1)} s`);
    // The floor once the dump is compressed and hashed (what (b) must do for PostgreSQL alone),
    // as a shell pipeline: no Node.js, no store, no Redis beside it.
    const shellFloor = async (pipeline: string) => {
      const t = now();
      await execa('/bin/sh', ['-c', pipeline], {
        ...asPostgres,
        env: { ...(await dumpEnv()), PATH: `${bin}:/usr/bin:/bin` },
        cwd: pgRun,
      });
      return seconds(t);
    };
    for (const [key, pipeline] of [
      ['a-zstd', 'pg_dump -Fc -Z0 -w | zstd -1 -T0 -q | sha256sum > /dev/null'],
      ['a-zstd1', 'pg_dump -Fc -Z0 -w | zstd -1 -q | sha256sum > /dev/null'],
    ] as const) {
      const t = await shellFloor(pipeline);
      measurements.push({ key, what: `shell floor: \`${pipeline}\``, seconds: t });
      say(`(${key}) ${t.toFixed(1)} s`);
    }

    // (c) docassemble: pg_dump -Fc (zlib) into a temp file, Redis SAVE, then upload both.
    const scratch = join(home.dir, 'docassemble-way');
    await mkdir(scratch, { recursive: true });
    await chown(scratch, postgresUser.uid, postgresUser.gid);
    const dumpFile = join(scratch, 'docassemble.dump');
    const upload = new S3Store({ settings: s3.settings('docassemble-way'), log: createLogger({ level: 'warn' }) });
    await upload.check();
    started = now();
    await execa(join(bin, 'pg_dump'), ['-Fc', '-w', '-f', dumpFile], {
      ...asPostgres,
      env: await dumpEnv(),
      cwd: pgRun,
    });
    const dumpSeconds = seconds(started);
    const redisCli = new Redis({ host: '127.0.0.1', port: ports.redis });
    await redisCli.save();
    redisCli.disconnect();
    const rdbFile = join(home.dir, 'data', 'redis', 'dump.rdb');
    const defaultDumpBytes = (await stat(dumpFile)).size;
    const rdbBytes = (await stat(rdbFile)).size;
    await upload.put('postgres/docassemble', createReadStream(dumpFile), { size: defaultDumpBytes });
    await upload.put('redis.rdb', createReadStream(rdbFile), { size: rdbBytes });
    const c = seconds(started);
    upload.close();
    measurements.push({
      key: 'c',
      what: 'docassemble way: `pg_dump -Fc` to a temp file + Redis SAVE, then upload both',
      seconds: c,
      bytes: defaultDumpBytes + rdbBytes,
      note: `pg_dump -Fc alone ${dumpSeconds.toFixed(1)} s, ${(defaultDumpBytes / MIB).toFixed(0)} MiB`,
    });
    say(`(c) ${c.toFixed(1)} s (pg_dump -Fc ${dumpSeconds.toFixed(1)} s)`);

    // (b) rolevisor's stop: SIGTERM → exit, the backup streamed to S3 in between.
    say('(b) SIGTERM…');
    const b = await rv.stop('SIGTERM');
    const committed = rv.lines.find((l) => /^backup .* committed/.test(l.msg));
    if (b.exitCode !== 0 || !committed) throw new Error(`the stop backup failed (exit ${b.exitCode}):\n${rv.tail()}`);
    const backupBytes = committed.bytes as number;
    measurements.push({
      key: 'b',
      what: 'rolevisor: SIGTERM → exit, full backup streamed to S3',
      seconds: b.ms / 1000,
      bytes: backupBytes,
      note: `backup itself ${((committed.durationMs as number) / 1000).toFixed(1)} s`,
    });
    say(`(b) ${(b.ms / 1000).toFixed(1)} s, ${(backupBytes / MIB).toFixed(0)} MiB`);

    // (d) bare pg_restore of the default -Fc dump into a fresh cluster (one job, as (e)).
    const cluster = join(scratch, 'cluster');
    await execa(
      join(bin, 'initdb'),
      ['-D', cluster, '-U', 'postgres', '-A', 'trust', '-N', '-E', 'UTF8', '--locale=C.UTF-8'],
      { ...asPostgres, env: backendEnv(scratch), cwd: scratch },
    );
    const port = await freePort();
    const server = execa(
      join(bin, 'postgres'),
      ['-D', cluster, '-p', String(port), '-k', scratch, '-c', 'listen_addresses='],
      { ...asPostgres, env: backendEnv(cluster), cwd: cluster, reject: false },
    );
    const localEnv = backendEnv(scratch, {
      PGHOST: scratch,
      PGPORT: String(port),
      PGUSER: 'postgres',
      PGDATABASE: 'postgres',
    });
    try {
      for (let i = 0; ; i += 1) {
        const ready = await execa(join(bin, 'pg_isready'), ['-q'], { ...asPostgres, env: localEnv, reject: false });
        if (ready.exitCode === 0) break;
        if (i > 100) throw new Error('the pg_restore cluster did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      await execa(join(bin, 'psql'), ['-q', '-c', 'CREATE ROLE docassemble LOGIN'], {
        ...asPostgres,
        env: localEnv,
        cwd: scratch,
      });
      started = now();
      await execa(join(bin, 'pg_restore'), ['--create', '--exit-on-error', '-d', 'postgres', dumpFile], {
        ...asPostgres,
        env: localEnv,
        cwd: scratch,
      });
      const d = seconds(started);
      measurements.push({ key: 'd', what: 'bare `pg_restore` of the local default `-Fc` dump (one job)', seconds: d });
      say(`(d) ${d.toFixed(1)} s`);
    } finally {
      server.kill('SIGINT');
      await server;
    }
    await rm(scratch, { recursive: true, force: true });

    // (e) boot with restore from S3: a fresh container (empty data directories), same store.
    await rm(join(home.dir, 'data', 'postgres'), { recursive: true, force: true });
    await rm(join(home.dir, 'data', 'redis'), { recursive: true, force: true });
    say('(e) boot with restore…');
    started = now();
    rv = new RolevisorProcess(['run'], env);
    await rv.ready(600_000);
    const e = seconds(started);
    const restoredPg = rv.lines.find((l) => /^restored PostgreSQL from generation/.test(l.msg));
    const restoredRedis = rv.lines.find((l) => /^restored Redis from generation/.test(l.msg));
    if (!restoredPg || !restoredRedis) throw new Error(`the boot did not restore:\n${rv.tail()}`);
    measurements.push({
      key: 'e',
      what: 'rolevisor boot with the restore from S3 (PostgreSQL and Redis ready)',
      seconds: e,
      note: `PostgreSQL restore ${((restoredPg.durationMs as number) / 1000).toFixed(1)} s, Redis ${((restoredRedis.durationMs as number) / 1000).toFixed(1)} s`,
    });
    say(`(e) ${e.toFixed(1)} s`);
    const rows = Number(
      (
        await execa(join(bin, 'psql'), ['-At', '-c', 'SELECT count(*) FROM docs'], {
          env: backendEnv('/tmp', {
            PGHOST: '127.0.0.1',
            PGPORT: String(ports.db),
            PGUSER: 'docassemble',
            PGDATABASE: 'docassemble',
            PGPASSWORD: env.DBPASSWORD!,
          }),
          extendEnv: false,
        })
      ).stdout,
    );
    const redis = new Redis({ host: '127.0.0.1', port: ports.redis });
    const keys = await redis.dbsize();
    redis.disconnect();
    if (rows === 0 || keys !== options.redisKeys) throw new Error(`restored ${rows} rows and ${keys} keys`);
    say(`restored ${rows} rows and ${keys} keys; stopping (a second stop backup)…`);
    const again = await rv.stop('SIGTERM');
    measurements.push({
      key: 'b2',
      what: 'rolevisor: SIGTERM → exit again, after the restore (repeat of b)',
      seconds: again.ms / 1000,
    });

    // The same stop with the local-directory store: what rolevisor's path costs without s3rver.
    say('(b-fs) boot on the local data with BACKUPDIR, then SIGTERM…');
    const fsEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('S3')));
    rv = new RolevisorProcess(['run'], { ...fsEnv, BACKUPDIR: join(home.dir, 'backup-fs') });
    await rv.ready(300_000);
    const bfs = await rv.stop('SIGTERM');
    const fsCommitted = rv.lines.find((l) => /^backup .* committed/.test(l.msg));
    if (bfs.exitCode !== 0 || !fsCommitted)
      throw new Error(`the stop backup to BACKUPDIR failed (exit ${bfs.exitCode}):\n${rv.tail()}`);
    measurements.push({
      key: 'b-fs',
      what: 'rolevisor: SIGTERM → exit, full backup to a local directory (BACKUPDIR)',
      seconds: bfs.ms / 1000,
      bytes: fsCommitted.bytes as number,
      note: `backup itself ${((fsCommitted.durationMs as number) / 1000).toFixed(1)} s`,
    });
    rv = undefined;
    return {
      options: { dataMiB: options.dataMiB, redisKeys: options.redisKeys, stopTimeoutSec: options.stopTimeoutSec },
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}`,
      databaseBytes,
      rdbBytes,
      loadSeconds,
      measurements,
    };
  } finally {
    if (rv && rv.child.exitCode === null) {
      await rv.stop('SIGKILL');
      // Its services run in their own process groups: stop them too.
      for (const line of rv.lines.filter((l) => /^started /.test(l.msg) && typeof l.pid === 'number')) {
        try {
          process.kill(-(line.pid as number), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    await s3.stop();
    await home.cleanup();
  }
}
