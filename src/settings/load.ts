// Environment → validated Settings. Every problem is reported at once, one line each:
// the variable, what was expected, what was received (secrets masked) and how to fix it.
import { z } from 'zod';
import { RolevisorError } from '../errors.js';
import type { RoleCatalog } from '../roles/catalog.js';
import { deriveSettings } from './derive.js';
import type { Settings } from './types.js';
import { problemLine } from './problems.js';
import { VARIABLES } from './variables.js';

const BY_NAME = new Map(VARIABLES.map((x) => [x.name, x]));

const schema = z.object(Object.fromEntries(VARIABLES.map((x) => [x.name, x.field.schema])));

export type RawSettings = Record<string, unknown>;

/** Known variables only; docker passes FOO= as an empty string, which means unset here. */
function pickKnown(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const picked: Record<string, string | undefined> = {};
  for (const { name } of VARIABLES) {
    const value = env[name];
    picked[name] = value === undefined || value.trim() === '' ? undefined : value;
  }
  return picked;
}

export function loadSettings(env: Record<string, string | undefined>, catalog: RoleCatalog): Settings {
  const known = pickKnown(env);
  const parsed = schema.safeParse(known);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      const variable = BY_NAME.get(name);
      problems.push(problemLine(name, variable?.field.expected ?? issue.message, known[name]));
    }
  }
  const raw = (parsed.success ? parsed.data : {}) as RawSettings;
  const settings = parsed.success ? deriveSettings(raw, known, catalog, problems) : undefined;
  if (problems.length > 0 || !settings) {
    throw new RolevisorError(
      'RV_CONFIG_INVALID',
      `${problems.length} setting${problems.length === 1 ? ' is' : 's are'} invalid; fix ${problems.length === 1 ? 'it' : 'them'} in the environment or env-file`,
      { details: problems },
    );
  }
  return settings;
}
