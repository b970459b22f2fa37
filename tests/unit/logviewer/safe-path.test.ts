import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLogFileName, resolveLogFile } from '../../../src/logviewer/safe-path.js';

describe('resolveLogFile', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safe-path-'));
    root = join(dir, 'log');
    await mkdir(join(root, 'web-1'), { recursive: true });
    await writeFile(join(root, 'web-1', 'uwsgi.log'), 'line\n');
    await mkdir(join(dir, 'outside'));
    await writeFile(join(dir, 'outside', 'secret.log'), 'secret\n');
    await symlink(join(dir, 'outside', 'secret.log'), join(root, 'web-1', 'escape.log'));
    await symlink(join(dir, 'outside'), join(root, 'linkdir'));
    await symlink(join(root, 'web-1', 'uwsgi.log'), join(root, 'web-1', 'inside.log'));
    await mkdir(join(root, 'web-1', 'dir.log'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('a host/program.log inside the directory', async () => {
    await expect(resolveLogFile(root, 'web-1/uwsgi.log')).resolves.toEqual({
      ok: true,
      path: join(root, 'web-1', 'uwsgi.log'),
      name: 'web-1/uwsgi.log',
    });
  });

  test.each([
    ['../outside/secret.log', 403],
    ['web-1/../../outside/secret.log', 403],
    ['..', 403],
    ['web-1/..', 403],
    ['./web-1/uwsgi.log', 403],
    ['/etc/passwd', 403],
    [`${'/'}${'x'}/y.log`, 403],
    ['web-1/uwsgi.log\0', 403],
    ['web-1\\..\\..\\x.log', 403],
    ['web-1/escape.log', 403],
    ['linkdir/secret.log', 403],
    ['web-1/missing.log', 404],
    ['web-1/dir.log', 404],
    ['web-1/uwsgi.txt', 404],
    ['web-1', 404],
    ['a/b/c.log', 404],
    ['', 404],
  ])('%j → %d', async (name, status) => {
    const result = await resolveLogFile(root, name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.status).toBe(status);
  });

  test('a symlink that stays inside is followed to its real path', async () => {
    await expect(resolveLogFile(root, 'web-1/inside.log')).resolves.toMatchObject({
      ok: true,
      path: join(root, 'web-1', 'uwsgi.log'),
    });
  });

  test('the shape check alone', () => {
    expect(checkLogFileName('h/p.log')).toBeUndefined();
    expect(checkLogFileName('x'.repeat(600))).toMatchObject({ status: 404 });
  });
});
