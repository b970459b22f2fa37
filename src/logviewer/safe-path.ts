// Turns the `file` query parameter ("<host>/<program>.log") into a path inside the log
// directory, or a refusal. Two checks: the name's shape and its resolved path, then the real
// path (symlinks followed) must still be inside the real log directory.
import { realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

export type LogFileLookup = { ok: true; path: string; name: string } | { ok: false; status: 403 | 404; reason: string };

const MAX_NAME = 512;

const refuse = (reason: string): LogFileLookup => ({ ok: false, status: 403, reason });
const missing = (reason: string): LogFileLookup => ({ ok: false, status: 404, reason });

/** Only the shape: exactly "<host>/<name>.log", no traversal, no NUL, nothing absolute. */
export function checkLogFileName(name: string): LogFileLookup | undefined {
  if (name.length === 0 || name.length > MAX_NAME) return missing('file must be <host>/<program>.log');
  if (name.includes('\0')) return refuse('file names cannot contain NUL');
  if (name.startsWith('/') || name.includes('\\')) return refuse('file must be a relative <host>/<program>.log');
  const parts = name.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return refuse('file cannot contain . or .. components');
  if (parts.length !== 2 || parts.some((p) => p.length === 0) || !parts[1]?.endsWith('.log'))
    return missing('file must be <host>/<program>.log');
  return undefined;
}

export async function resolveLogFile(root: string, name: string): Promise<LogFileLookup> {
  const bad = checkLogFileName(name);
  if (bad) return bad;
  const base = resolve(root);
  const candidate = resolve(base, name);
  if (!candidate.startsWith(base + sep)) return refuse('file is outside the log directory');
  let real: string;
  let realBase: string;
  try {
    [real, realBase] = await Promise.all([realpath(candidate), realpath(base)]);
  } catch {
    return missing('no such log file');
  }
  if (!real.startsWith(realBase + sep)) return refuse('file leads outside the log directory');
  const info = await stat(real).catch(() => undefined);
  if (!info?.isFile()) return missing('no such log file');
  return { ok: true, path: real, name };
}
