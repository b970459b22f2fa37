// Writes config.yml (0600, readable only by the app's user) and keeps the app's secret key
// stable across restarts: a new key would log every user out.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Identity } from '../util/identity.js';
import { configFilePath } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import { ensureDir, writeSecretFile } from '../util/fsx.js';

export async function stableSecretKey(settings: Settings): Promise<string> {
  // DASECRETKEY wins, as docassemble's initialize.sh writes it into config.yml.
  if (settings.secretKey) return settings.secretKey;
  const path = join(settings.home, 'secrets', 'app-secret-key');
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // First boot: create it below.
  }
  await ensureDir(join(settings.home, 'secrets'), { mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  await writeSecretFile(path, `${key}\n`);
  return key;
}

export async function writeConfigFile(
  settings: Settings,
  content: string,
  appUser: Identity | undefined,
): Promise<string> {
  const path = configFilePath(settings);
  await ensureDir(join(settings.home, 'config'), { mode: 0o755 });
  await writeSecretFile(path, content, appUser);
  return path;
}
