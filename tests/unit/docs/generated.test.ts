// The generated documents must match the schema: run `npm run docs` after changing a setting.
import { readFileSync } from 'node:fs';
import { configurationMarkdown, envExampleList } from '../../../src/settings/docs.js';
import { parseEnvFile } from '../../../src/settings/env-file.js';
import { VARIABLES } from '../../../src/settings/variables.js';
import { loadSettings } from '../../../src/settings/load.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

test('docs/configuration.md is up to date (npm run docs)', () => {
  expect(read('docs/configuration.md')).toBe(configurationMarkdown());
});

test('env.example.list is up to date and lists exactly the variables the schema knows', () => {
  const text = read('env.example.list');
  expect(text).toBe(envExampleList());
  // Uncommenting every line must give a valid env-file naming each variable once. Docker
  // keeps everything after "=" as the value (no trailing comments), and so does rolevisor.
  const uncommented = text.split('\n').filter((l) => /^#[A-Z_0-9]+=/.test(l)).map((l) => l.slice(1));
  const entries = parseEnvFile(uncommented.join('\n'));
  expect(entries.map((e) => e.key).sort()).toEqual(VARIABLES.map((v) => v.name).sort());
  for (const e of entries) expect(e.value).not.toContain('#');
  // ... and those values are the defaults: settings from the file equal settings from nothing.
  const env = Object.fromEntries(entries.map((e) => [e.key, e.value ?? '']));
  const catalog = loadRoleCatalog();
  expect(normalize(loadSettings(env, catalog))).toEqual(normalize(loadSettings({}, catalog)));
});

/** Compared as JSON: a field set to undefined equals a missing one; which names were set differs by design. */
function normalize(settings: ReturnType<typeof loadSettings>): unknown {
  return JSON.parse(JSON.stringify({ ...settings, explicit: [] }));
}
