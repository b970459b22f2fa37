// Every error code rolevisor can throw is documented in docs/errors.md with its exit code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS } from '../../../src/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const page = readFileSync(join(root, 'docs/errors.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('each catalogued code has a section with its exit code', () => {
  for (const [code, def] of Object.entries(ERRORS)) {
    expect(page).toContain(`### ${code} (exit ${def.exitCode})`);
  }
});

test('every code used in the sources is catalogued and documented', () => {
  const used = new Set<string>();
  for (const file of sourceFiles(join(root, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/['"](RV_[A-Z_]+)['"]/g)) used.add(match[1]!);
  }
  expect(used.size).toBeGreaterThan(5);
  for (const code of used) {
    expect(Object.keys(ERRORS)).toContain(code);
    expect(page).toContain(`### ${code} `);
  }
});

test('the exit code table lists every exit code in use', () => {
  for (const def of Object.values(ERRORS)) expect(page).toMatch(new RegExp(`^\\| ${def.exitCode} \\|`, 'm'));
});
