// The PostgreSQL programs a dump or restore runs (pg_dump, pg_restore) and the environment
// each gets: explicit, and the superuser's password in PGPASSWORD (the child's own
// environment, readable only by that user), never on a command line.
import { join } from 'node:path';
import { backendEnv } from '../../../services/shared/backend-env.js';
import { clusterMajor, postgresBinaries } from '../../../services/postgres/binaries.js';
import { SUPERUSER } from '../../../services/postgres/superuser.js';
import type { ServiceContext } from '../../../services/types.js';

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
