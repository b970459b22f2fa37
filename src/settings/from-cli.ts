// The settings a command works with: the real environment, overlaid by --env-file.
import type { RoleCatalog } from '../roles/catalog.js';
import { readEnvFile } from './env-file.js';
import { loadSettings } from './load.js';
import type { Settings } from './types.js';

export async function settingsFrom(
  env: NodeJS.ProcessEnv,
  envFile: string | undefined,
  catalog: RoleCatalog,
): Promise<Settings> {
  const merged = envFile ? await readEnvFile(envFile, env) : { ...env };
  return loadSettings(merged, catalog);
}
