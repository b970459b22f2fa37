// Environment → validated Settings. Every problem is reported at once, one line each:
// the variable, what was expected, what was received (secrets masked) and how to fix it.
import { z } from 'zod';
import { catalogError } from '../errors.js';
import type { RoleCatalog } from '../roles/catalog.js';
import { deriveSettings } from './derive.js';
import type { Settings } from './types.js';
import { problemLine } from './problems.js';
import {
  DOCASSEMBLE_VARIABLES,
  docassembleVariable,
  passedConfig,
  unsupportedWarning,
} from './docassemble-variables.js';
import { VARIABLES } from './variables.js';

/**
 * docassemble's initialize.sh writes `${VAR:-null}` into config.yml and tests `!= "null"`, so
 * users' env.lists carry `null` (and `none` for DAHOSTNAME) for "unset". LOGSERVER keeps its
 * own meaning (`null` turns forwarding off); names and the password are taken literally, as there.
 */
const LITERAL = new Set(['LOGSERVER', 'CONTAINERROLE', 'DBNAME', 'DBUSER', 'DBPASSWORD']);
const NULLABLE = new Set(
  VARIABLES.filter((v) => docassembleVariable(v.name) && !LITERAL.has(v.name)).map((v) => v.name),
);
const isNullWord = (value: string): boolean => ['null', 'none'].includes(value.trim().toLowerCase());

const schema = z.object(Object.fromEntries(VARIABLES.map((x) => [x.name, x.field.schema])));

export type RawSettings = Record<string, unknown>;

/** Known variables only; docker passes FOO= as an empty string, which means unset here. */
function pickKnown(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const picked: Record<string, string | undefined> = {};
  for (const { name } of VARIABLES) {
    const value = env[name];
    picked[name] =
      value === undefined || value.trim() === '' || (NULLABLE.has(name) && isNullWord(value)) ? undefined : value;
  }
  return picked;
}

export function loadSettings(env: Record<string, string | undefined>, catalog: RoleCatalog): Settings {
  const known = pickKnown(env);
  const problems: string[] = [];
  const raw: RawSettings = {};
  // Field by field, so that one bad value does not hide the others: a failed field takes
  // its default and the checks across fields still run.
  for (const variable of VARIABLES) {
    const result = schema.shape[variable.name].safeParse(known[variable.name]);
    if (result.success) {
      raw[variable.name] = result.data;
    } else {
      problems.push(problemLine(variable.name, variable.field.expected, known[variable.name]));
      raw[variable.name] = schema.shape[variable.name].parse(undefined);
    }
  }
  const settings = deriveSettings(raw, known, catalog, problems);
  if (problems.length > 0 || !settings) {
    throw catalogError('RV_CONFIG_INVALID', 'settings', { count: problems.length }, { details: problems });
  }
  settings.appConfig = passedConfig(env);
  const unsupported = unsupportedWarning(env);
  if (unsupported) settings.warnings.push(unsupported);
  for (const v of DOCASSEMBLE_VARIABLES) {
    const value = env[v.name]?.trim();
    if (v.secret && value) settings.secrets.push(value);
  }
  return settings;
}
