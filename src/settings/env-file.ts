// Docker's --env-file format: KEY=VALUE per line, '#' starts a comment line, blank lines are
// skipped, values are literal (no quotes removed, no expansion). A bare KEY takes its value
// from the real environment, as docker does.
import { readFile } from 'node:fs/promises';
import { catalogError } from '../errors.js';

export interface EnvFileEntry {
  key: string;
  value: string | undefined;
  line: number;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseEnvFile(text: string, source = 'env-file'): EnvFileEntry[] {
  const entries: EnvFileEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line.trimEnd() : line.slice(0, eq);
    if (!KEY.test(key)) {
      problems.push(`${source}:${index + 1}: "${key.slice(0, 40)}" is not a variable name; expected KEY=VALUE`);
      return;
    }
    entries.push({ key, value: eq === -1 ? undefined : line.slice(eq + 1), line: index + 1 });
  });
  if (problems.length > 0) {
    throw catalogError('RV_CONFIG_INVALID', 'envFileLines', { source, count: problems.length }, { details: problems });
  }
  return entries;
}

/** The environment a container would see: the file's values over the real environment. */
export async function readEnvFile(path: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw catalogError('RV_ENV_FILE_UNREADABLE', 'unreadable', { path, reason });
  }
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  for (const entry of parseEnvFile(text, path)) {
    if (entry.value !== undefined) merged[entry.key] = entry.value;
  }
  return merged;
}
