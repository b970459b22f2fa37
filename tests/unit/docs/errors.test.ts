// The error catalogue both ways: every code rolevisor raises is catalogued and documented in
// docs/errors.md with its exit code, and every catalogued code is raised somewhere; a code
// whose message is a template in the catalogue is raised only through it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogError, ERRORS } from '../../../src/errors.js';

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
    for (const match of readFileSync(file, 'utf8').matchAll(/['"](RV_[A-Z_]+)['"]/g)) used.add(match[1]);
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

test('every catalogued code is raised somewhere in the sources', () => {
  const sources = sourceFiles(join(root, 'src'))
    .filter((file) => !file.endsWith('/src/errors.ts'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const unused = Object.keys(ERRORS).filter((code) => !sources.includes(`'${code}'`));
  expect(unused).toEqual([]);
});

test('a templated code is raised only through its template, with the values it names', () => {
  const templated = ['RV_NOT_ROOT', 'RV_ENV_FILE_UNREADABLE', 'RV_STORE_KEY_INVALID', 'RV_CONTROL_UNREACHABLE'];
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const code of templated) expect(`${file}: ${text.includes(`RolevisorError('${code}'`)}`).toBe(`${file}: false`);
  }
  const error = catalogError('RV_NOT_ROOT', 'privilegedPort', { setting: 'LOGPORT', port: 514, portStart: 1024 });
  expect(error.exitCode).toBe(77);
  expect(error.message).toBe(
    'LOGPORT=514 is a privileged port (below 1024) and rolevisor does not run as root; set LOGPORT to a port >= 1024 or run rolevisor as root',
  );
});
