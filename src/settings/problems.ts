// One line per invalid setting: the variable, what was expected, what was received
// (secrets masked) and how to fix it.
import { VARIABLES, type Variable } from './variables.js';

const BY_NAME = new Map(VARIABLES.map((x) => [x.name, x]));

/** Shows a received value in an error line; secrets are masked, long values cut. */
export function showReceived(variable: Variable | undefined, raw: string | undefined): string {
  if (raw === undefined) return 'nothing';
  if (variable?.secret) return `a value of ${raw.length} characters (hidden)`;
  const shown = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  return JSON.stringify(shown);
}

export function problemLine(name: string, expected: string, raw: string | undefined, fix?: string): string {
  const variable = BY_NAME.get(name);
  const hint =
    fix ?? (variable ? `fix ${name} or unset it to use the default (${variable.shownDefault})` : `fix ${name}`);
  return `${name}: expected ${expected}, received ${showReceived(variable, raw)}; ${hint}`;
}
