import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureGeneratedSecret, randomSecret, UPPERCASE } from '../../../src/util/generated-secret.js';
import { tempHome } from '../../helpers/env.js';

describe('ensureGeneratedSecret', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  beforeAll(async () => {
    home = await tempHome();
  });
  afterAll(() => home.cleanup());

  test('creates a 0600 secret once, then returns the same one', async () => {
    const file = join(home.dir, 'a.secret');
    const first = await ensureGeneratedSecret(file, { length: 40 });
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await ensureGeneratedSecret(file)).toEqual({ value: first.value, created: false });
    expect(await readFile(file, 'utf8')).toBe(first.value);
  });

  test('an empty file (a crash before the write) counts as missing', async () => {
    const file = join(home.dir, 'empty.secret');
    await writeFile(file, '');
    const made = await ensureGeneratedSecret(file, { mode: 0o400, alphabet: UPPERCASE });
    expect(made.created).toBe(true);
    expect(made.value).toMatch(/^[A-Z]{32}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o400);
  });

  test('random secrets differ', () => {
    expect(randomSecret(32)).not.toBe(randomSecret(32));
  });
});
