// The short-lived programs a backup or restore runs (pg_dump, pg_restore, zstd) and the
// environment each gets: explicit, and the PostgreSQL superuser's password in PGPASSWORD
// (the child's own environment, readable only by that user), never on a command line.
import { join } from 'node:path';
import { backendEnv } from '../services/backend-env.js';
import { clusterMajor, postgresBinaries } from '../services/postgres/binaries.js';
import type { ServiceContext } from '../services/types.js';
import { SUPERUSER } from '../services/postgres/superuser.js';

export const ZSTD = '/usr/bin/zstd';

/**
 * Compression of every part, chosen by measurement (docs/benchmarks.md): on 1 GiB of random
 * text, `pg_dump -Fc` (zlib 6) took 80 s for 588 MB, `gzip -1` 29 s, `lz4` and zstd's
 * negative levels did not compress at all (no entropy coding), `zstd -1` 6–7 s for 515 MB,
 * `zstd -3` twice as long for no gain. -T0 uses every core.
 */
export const ZSTD_COMPRESS_ARGS = ['-1', '-T0', '-q', '-c'];
export const ZSTD_DECOMPRESS_ARGS = ['-d', '-q', '-c'];

/** pg_dump / pg_restore of the cluster's own major version (a dump needs pg_dump >= server). */
export function postgresTool(ctx: Pick<ServiceContext, 'paths'>, tool: 'pg_dump' | 'pg_restore'): string {
  return join(postgresBinaries(clusterMajor(ctx.paths.data)).bin, tool);
}

/** libpq's environment for a superuser connection over the service's unix socket. */
export function postgresToolEnv(
  ctx: Pick<ServiceContext, 'paths' | 'settings'>,
  password: string,
  database = 'postgres',
): Record<string, string> {
  return backendEnv(ctx.paths.run, {
    PGHOST: ctx.paths.run,
    PGPORT: String(ctx.settings.db.port),
    PGUSER: SUPERUSER,
    // Taken literally (a name with "=" in it would be read as a conninfo string on argv).
    PGDATABASE: database,
    PGPASSWORD: password,
    PGAPPNAME: 'rolevisor-backup',
    PGCONNECT_TIMEOUT: '10',
  });
}

/** zstd needs nothing from the environment. */
export const zstdEnv = (): Record<string, string> => backendEnv('/');
