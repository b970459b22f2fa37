import { mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tailLines } from '../../../src/logviewer/tail.js';

describe('tailLines', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tail-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('small files, with and without a final newline, and empty files', async () => {
    await writeFile(join(dir, 'a'), 'one\ntwo\nthree\n');
    expect((await tailLines(join(dir, 'a'), 2)).lines).toEqual(['two', 'three']);
    expect((await tailLines(join(dir, 'a'), 10)).lines).toEqual(['one', 'two', 'three']);
    await writeFile(join(dir, 'b'), 'one\ntwo');
    expect((await tailLines(join(dir, 'b'), 1)).lines).toEqual(['two']);
    await writeFile(join(dir, 'c'), '');
    expect(await tailLines(join(dir, 'c'), 5)).toEqual({ lines: [], size: 0, truncated: false });
  });

  test('a 200 MB file: the last lines exactly, read from the end only', async () => {
    const path = join(dir, 'big');
    const handle = await open(path, 'w');
    const block =
      Array.from({ length: 10_000 }, (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(8)}`).join('\n') + '\n';
    for (let i = 0; i < 800; i++) await handle.write(block); // ~200 MB
    await handle.close();
    const started = performance.now();
    const tail = await tailLines(path, 3000);
    const ms = performance.now() - started;
    expect(tail.lines).toHaveLength(3000);
    expect(tail.lines[0]).toBe(`line 07000 ${'x'.repeat(8)}`);
    expect(tail.lines.at(-1)).toBe(`line 09999 ${'x'.repeat(8)}`);
    expect(tail.truncated).toBe(false);
    expect(ms).toBeLessThan(500);
  });

  test('lines crossing chunk boundaries are whole', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${i}:${'y'.repeat(10_000 + i)}`);
    await writeFile(join(dir, 'long'), `${lines.join('\n')}\n`);
    expect((await tailLines(join(dir, 'long'), 20)).lines).toEqual(lines.slice(-20));
  });

  test('maxBytes bounds the reading and says so', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i} ${'z'.repeat(1000)}`);
    await writeFile(join(dir, 'capped'), `${lines.join('\n')}\n`);
    const tail = await tailLines(join(dir, 'capped'), 100, 10_000);
    expect(tail.truncated).toBe(true);
    expect(tail.lines.length).toBeLessThan(10);
    expect(tail.lines).toEqual(lines.slice(-tail.lines.length));
  });

  test('refuses a symlink as the file itself', async () => {
    await symlink(join(dir, 'a'), join(dir, 'link'));
    await expect(tailLines(join(dir, 'link'), 1)).rejects.toMatchObject({ code: 'ELOOP' });
  });
});
