// The generated documents must match the schema: run `npm run docs` after changing a setting.
import { readFileSync } from 'node:fs';
import { configurationMarkdown, envExampleList } from '../../../src/settings/docs.js';
import { parseEnvFile } from '../../../src/settings/env-file.js';
import { VARIABLES } from '../../../src/settings/variables.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

test('docs/configuration.md is up to date (npm run docs)', () => {
  expect(read('docs/configuration.md')).toBe(configurationMarkdown());
});

test('env.example.list is up to date and lists exactly the variables the schema knows', () => {
  const text = read('env.example.list');
  expect(text).toBe(envExampleList());
  // Uncommenting every line must give a valid env-file naming each variable once.
  const uncommented = text.split('\n').filter((l) => /^#[A-Z_0-9]+=/.test(l)).map((l) => l.slice(1).replace(/\s+#.*$/, ''));
  const names = parseEnvFile(uncommented.join('\n')).map((e) => e.key);
  expect(names.sort()).toEqual(VARIABLES.map((v) => v.name).sort());
});
