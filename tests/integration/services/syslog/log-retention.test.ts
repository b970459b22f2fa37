// LOGKEEPDAYS on a real directory tree: idle files go, with the folders of hosts that are
// gone; fresh files, symbolic links and what they point to stay.
import { mkdir, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempHome } from '../../../helpers/env.js';
import { pruneIdleLogs } from '../../../../src/services/syslog/log-retention.js';

const DAY = 24 * 60 * 60;

describe('pruneIdleLogs', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  beforeAll(async () => {
    home = await tempHome();
  });
  afterAll(() => home.cleanup());

  const file = async (path: string, ageDays: number) => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'a line\n');
    const t = Date.now() / 1000 - ageDays * DAY;
    await utimes(path, t, t);
  };

  test('idle files and empty host folders are deleted; the rest stays', async () => {
    const dir = join(home.dir, 'log');
    await file(join(dir, 'gone-task', 'uwsgi.log'), 40);
    await file(join(dir, 'gone-task', 'celery.log'), 31);
    await file(join(dir, 'live-host', 'uwsgi.log'), 1);
    await file(join(dir, 'live-host', 'cron.log'), 45);
    const outside = join(home.dir, 'outside.log');
    await file(outside, 100);
    await symlink(outside, join(dir, 'live-host', 'link.log'));

    const deleted = await pruneIdleLogs(dir, 30);
    expect(deleted.sort()).toEqual(['gone-task/celery.log', 'gone-task/uwsgi.log', 'live-host/cron.log']);
    expect((await readdir(dir)).sort()).toEqual(['live-host']);
    expect((await readdir(join(dir, 'live-host'))).sort()).toEqual(['link.log', 'uwsgi.log']);
    expect((await stat(outside)).isFile()).toBe(true);
  });

  test('0 keeps everything; a missing directory is no error', async () => {
    const dir = join(home.dir, 'log2');
    await file(join(dir, 'h', 'old.log'), 400);
    expect(await pruneIdleLogs(dir, 0)).toEqual([]);
    expect(await readdir(join(dir, 'h'))).toEqual(['old.log']);
    expect(await pruneIdleLogs(join(home.dir, 'nope'), 30)).toEqual([]);
  });
});
