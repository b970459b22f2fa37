// The PostgreSQL superuser ("postgres") and its password: random, generated once, kept 0600
// in the secrets directory. rolevisor's admin tasks (creating the app's role, backups)
// log in with it over the local socket; the network refuses the superuser (pg_hba.conf).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { catalogError } from '../../errors.js';
import type { Settings } from '../../settings/types.js';
import { ensureGeneratedSecret, type GeneratedSecret } from '../../util/generated-secret.js';
import type { ServicePaths } from '../../settings/paths.js';

export const SUPERUSER = 'postgres';

export const superuserPasswordFile = (paths: Pick<ServicePaths, 'secrets'>): string =>
  join(paths.secrets, 'postgres-superuser.password');

/** Reads the superuser password, or makes one (owner root: only rolevisor reads it). */
export const ensureSuperuserPassword = (paths: Pick<ServicePaths, 'secrets'>): Promise<GeneratedSecret> =>
  ensureGeneratedSecret(superuserPasswordFile(paths), { length: 40 });

export async function readSuperuserPassword(paths: Pick<ServicePaths, 'secrets'>): Promise<string> {
  const file = superuserPasswordFile(paths);
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw catalogError('RV_PREPARE_FAILED', 'superuserPassword', { file }, { cause: error });
  });
  return text.trim();
}

/**
 * How rolevisor's own modules (afterReady, backups) connect as the superuser: over the unix
 * socket in the service's run directory, with the generated password.
 */
export async function postgresAdminConfig(
  settings: Pick<Settings, 'db'>,
  paths: Pick<ServicePaths, 'run' | 'secrets'>,
  database = 'postgres',
): Promise<pg.ClientConfig> {
  return adminClientConfig(settings, paths, await readSuperuserPassword(paths), database);
}

export function adminClientConfig(
  settings: Pick<Settings, 'db'>,
  paths: Pick<ServicePaths, 'run'>,
  password: string,
  database = 'postgres',
): pg.ClientConfig {
  return {
    host: paths.run,
    port: settings.db.port,
    user: SUPERUSER,
    password,
    database,
    application_name: 'rolevisor',
    connectionTimeoutMillis: 5000,
  };
}
