// Secrets rolevisor makes up itself (the PostgreSQL superuser password, the Erlang cookie):
// generated once, then read back on every boot, so data made with them stays usable.
import { readFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import type { Identity } from './identity.js';
import { writeFileAtomic } from './fsx.js';

export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function randomSecret(length: number, alphabet = ALPHANUMERIC): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export interface GeneratedSecret {
  value: string;
  /** True when it did not exist before this call. */
  created: boolean;
}

/**
 * Reads the secret in `path`, or writes a new one (mode 0600 unless given, owner when root
 * gave one). An empty file counts as missing: a crash between create and write leaves one.
 */
export async function ensureGeneratedSecret(
  path: string,
  options: { length?: number; alphabet?: string; mode?: number; owner?: Identity } = {},
): Promise<GeneratedSecret> {
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  if (existing.trim().length > 0) return { value: existing.trim(), created: false };
  const value = randomSecret(options.length ?? 32, options.alphabet);
  await writeFileAtomic(path, value, { mode: options.mode ?? 0o600, owner: options.owner });
  return { value, created: true };
}
