// PostgreSQL's parts of a backup: every database except "postgres" and the templates
// (matched exactly), each dumped by `pg_dump -Fc -Z0` (no compression of its own: zlib is
// what makes a default dump slow) into `zstd`, as the postgres user over the unix socket.
import pg from 'pg';
import type { Logger } from '../../../log.js';
import { postgresAdminConfig } from '../../../services/postgres/service.js';
import { readSuperuserPassword } from '../../../services/postgres/superuser.js';
import type { ServiceContext } from '../../../services/types.js';
import { progressMeter } from '../../../util/progress.js';
import { startPipeline, type Pipeline } from '../../pipeline.js';
import { ZSTD, ZSTD_COMPRESS_ARGS, zstdEnv } from '../../zstd.js';
import { postgresTool, postgresToolEnv } from './tools.js';

export interface DatabaseInfo {
  name: string;
  /** pg_database_size: an upper bound of the dump, to size upload parts. */
  size: number;
}

export interface PostgresInventory {
  version: string;
  databases: DatabaseInfo[];
}

export const DATABASES_TO_BACK_UP =
  "SELECT datname, pg_database_size(datname)::bigint AS size FROM pg_database WHERE datistemplate = false AND datname <> 'postgres' ORDER BY datname";

export async function withAdminClient<T>(
  ctx: Pick<ServiceContext, 'settings' | 'paths'>,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(await postgresAdminConfig(ctx.settings, ctx.paths));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function postgresInventory(ctx: Pick<ServiceContext, 'settings' | 'paths'>): Promise<PostgresInventory> {
  return withAdminClient(ctx, async (client) => {
    const version =
      (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
    const rows = (await client.query<{ datname: string; size: string }>(DATABASES_TO_BACK_UP)).rows;
    return {
      version: version.split(' ')[0] ?? version,
      databases: rows.map((r) => ({ name: r.datname, size: Number(r.size) })),
    };
  });
}

/** `pg_dump -Fc -Z0 | zstd`: the output fails unless both exit 0. */
export async function dumpDatabase(
  ctx: ServiceContext,
  database: string,
  options: { signal?: AbortSignal; log: Logger },
): Promise<Pipeline> {
  const password = await readSuperuserPassword(ctx.paths);
  return startPipeline(
    [
      {
        name: `pg_dump of database "${database}"`,
        file: postgresTool(ctx, 'pg_dump'),
        // -w: never prompt; the password is in the environment.
        args: ['-Fc', '-Z0', '-w'],
        env: postgresToolEnv(ctx, password, database),
        identity: ctx.identity,
        cwd: ctx.paths.run,
        meter: progressMeter(options.log, { op: 'pg_dump', key: database }),
      },
      { name: `zstd of database "${database}"`, file: ZSTD, args: ZSTD_COMPRESS_ARGS, env: zstdEnv(), cwd: '/' },
    ],
    { signal: options.signal },
  );
}
