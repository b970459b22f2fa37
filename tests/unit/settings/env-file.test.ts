import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnvFile, readEnvFile } from '../../../src/settings/env-file.js';

describe('parseEnvFile (docker --env-file format)', () => {
  test('KEY=VALUE lines, comments and blank lines', () => {
    const entries = parseEnvFile('# comment\n\nA=1\n  B=two words \nC=\n');
    expect(entries.map((e) => [e.key, e.value])).toEqual([
      ['A', '1'],
      ['B', 'two words '],
      ['C', ''],
    ]);
  });

  test('values are literal: quotes, = and # are kept', () => {
    const [entry] = parseEnvFile('DBPASSWORD="p@ss=wo#rd"\n');
    expect(entry?.value).toBe('"p@ss=wo#rd"');
  });

  test('a bare name takes its value from the environment', () => {
    expect(parseEnvFile('TIMEZONE\n')[0]).toEqual({ key: 'TIMEZONE', value: undefined, line: 1 });
  });

  test('CRLF line ends are accepted', () => {
    expect(parseEnvFile('A=1\r\nB=2\r\n').map((e) => e.value)).toEqual(['1', '2']);
  });

  test('malformed lines are all reported with their line numbers', () => {
    expect(() => parseEnvFile('GOOD=1\nnot a var\n=x\n', 'f.env')).toThrow(
      expect.objectContaining({
        code: 'RV_CONFIG_INVALID',
        details: [expect.stringContaining('f.env:2'), expect.stringContaining('f.env:3')],
      }),
    );
  });
});

describe('readEnvFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envfile-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('the file wins; the real environment fills what it does not set', async () => {
    const path = join(dir, 'env.list');
    await writeFile(path, 'DBNAME=fromfile\nTIMEZONE\n');
    const merged = await readEnvFile(path, { DBNAME: 'fromenv', TIMEZONE: 'UTC', DBUSER: 'u' });
    expect(merged).toMatchObject({ DBNAME: 'fromfile', TIMEZONE: 'UTC', DBUSER: 'u' });
  });

  test('a missing file is a clear configuration error', async () => {
    await expect(readEnvFile(join(dir, 'missing'), {})).rejects.toMatchObject({
      code: 'RV_ENV_FILE_UNREADABLE',
      exitCode: 78,
      message: expect.stringContaining('ENOENT'),
    });
  });
});
