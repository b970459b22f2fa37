// The error catalogue both ways: every code rolevisor raises is catalogued and documented in
// docs/errors.md with its exit code, and every catalogued code is raised somewhere; every
// message is made by one of the catalogue's named templates, each of them used.
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

test('every code has message templates, each used in the sources; nothing raises free text', () => {
  const files = sourceFiles(join(root, 'src')).filter((file) => !file.endsWith('/src/errors.ts'));
  const sources = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  const used = new Set([...sources.matchAll(/catalogError\(\s*'(RV_[A-Z_]+)',\s*'(\w+)'/g)].map((m) => `${m[1]}.${m[2]}`));
  const catalogued = Object.entries(ERRORS).flatMap(([code, def]) =>
    Object.keys('messages' in def ? def.messages : {}).map((name) => `${code}.${name}`),
  );
  for (const code of Object.keys(ERRORS)) expect(catalogued.some((t) => t.startsWith(`${code}.`))).toBe(true);
  expect(catalogued.filter((t) => !used.has(t))).toEqual([]);
  expect([...used].filter((t) => !catalogued.includes(t))).toEqual([]);
  // A message is made only by its template: call sites pass values, never text.
  const freeText = files.filter((file) => /new RolevisorError\(/.test(readFileSync(file, 'utf8')));
  expect(freeText.map((file) => file.slice(root.length))).toEqual([]);
});

test('a template makes its message from the values it names; the values are typed', () => {
  const error = catalogError('RV_NOT_ROOT', 'privilegedPort', { setting: 'LOGPORT', port: 514, portStart: 1024 });
  expect(error.code).toBe('RV_NOT_ROOT');
  expect(error.exitCode).toBe(77);
  expect(error.message).toBe(
    'LOGPORT=514 is a privileged port (below 1024) and rolevisor does not run as root; set LOGPORT to a port >= 1024 or run rolevisor as root',
  );
  const damaged = catalogError(
    'RV_RESTORE_FAILED',
    'digestMismatch',
    { id: 'g1', part: 'postgres/app.dump', read: 'ab', expected: 'cd' },
    { cause: new Error('x') },
  );
  expect(damaged.exitCode).toBe(76);
  expect(damaged.message).toBe(
    'generation g1, part "postgres/app.dump": sha256 mismatch: read ab, the manifest says cd; the part is damaged',
  );
  expect(catalogError('RV_BACKUP_FAILED', 'storeOpening').message).toMatch(/^rolevisor is still opening the store/);
  const problems = ['DBPORT: expected a port, received "x"; fix DBPORT'];
  expect(catalogError('RV_CONFIG_INVALID', 'settings', { count: 1 }, { details: problems }).details).toEqual(problems);
  expect(() => (catalogError as (c: string, n: string) => unknown)('RV_NOT_ROOT', 'noSuchTemplate')).toThrow(
    /no template RV_NOT_ROOT.noSuchTemplate/,
  );
  // Never called: the compiler refuses each of these (npm run typecheck covers tests, and an
  // expected error that does not occur fails it, so each line must stay wrong).
  const typeOnly = () => [
    // @ts-expect-error no such template
    catalogError('RV_NOT_ROOT', 'noSuchTemplate', {}),
    // @ts-expect-error port must be a number
    catalogError('RV_NOT_ROOT', 'privilegedPort', { setting: 'LOGPORT', port: '514', portStart: 1024 }),
    // @ts-expect-error the values are required
    catalogError('RV_NOT_ROOT', 'privilegedPort'),
    // @ts-expect-error a template without values takes none
    catalogError('RV_BACKUP_FAILED', 'storeOpening', { why: 'x' }),
  ];
  expect(typeof typeOnly).toBe('function');
});
