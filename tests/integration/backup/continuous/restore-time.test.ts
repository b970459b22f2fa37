// `rolevisor restore --time` for the continuous state: the app's files come back exactly as
// they were at the noted time (file A there; B written and A deleted after it are not), and
// Redis from its newest snapshot at or before it. The files are synced by the real FilesSync
// into a local store; Redis is a real redis-server under `rolevisor run` shipping snapshots.
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, unlink, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FilesSync } from '../../../../src/backup/files/sync.js';
import { listSnapshots } from '../../../../src/backup/snapshots/layout.js';
import { FsStore } from '../../../../src/store/fs-store.js';
import { freePort, memoryLogger, tempHome } from '../../../helpers/env.js';
import { RolevisorProcess, runCli } from '../../../helpers/rolevisor-process.js';
import { REDISPASSWORD, withRedis, type Cycle } from '../../../helpers/backup-cycle.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rolevisor restore --time: files and Redis as of the noted time', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let rv: RolevisorProcess | undefined;
  let env: Record<string, string>;
  let cycle: Cycle;
  let filesDir: string;

  beforeAll(async () => {
    home = await tempHome();
    filesDir = join(home.dir, 'appfiles');
    const redisPort = await freePort();
    env = {
      CONTAINERROLE: 'redis',
      ROLEVISOR_HOME: home.dir,
      REDISPORT: String(redisPort),
      REDIS: `redis://:${REDISPASSWORD}@localhost:${redisPort}`,
      STATUSPORT: String(await freePort()),
      REDISSNAPSHOTSECONDS: '1',
      FILESDIR: filesDir,
      STOPTIMEOUT: '30',
      BACKUPSCHEDULE: '0 0 1 1 *',
    };
    cycle = { home: home.dir, env, ports: { db: 0, redis: redisPort } };
  });

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) await rv.stop('SIGKILL');
    await home.cleanup();
  });

  it('brings back exactly the files and the Redis dataset of that moment', async () => {
    const { log } = memoryLogger();
    const store = new FsStore({ root: join(home.dir, 'backup'), log });
    const snapshotCount = async () => (await listSnapshots(store)).complete.length;
    const shipped = async (more: number) => {
      const deadline = Date.now() + 60_000;
      while ((await snapshotCount()) < more && Date.now() < deadline) await sleep(200);
      expect(await snapshotCount()).toBeGreaterThanOrEqual(more);
    };
    rv = new RolevisorProcess(['run'], env);
    await rv.ready(120_000);
    await mkdir(filesDir, { recursive: true });
    const sync = new FilesSync({ store, root: filesDir, log, intervalSec: 1, host: 'test' });

    await withRedis(cycle, (r) => r.set('k', 'before'));
    await writeFile(join(filesDir, 'a.txt'), 'file A, there at the noted time');
    expect((await sync.sync()).index).toBeDefined();
    await shipped(1);
    await sleep(1500);
    const noted = new Date();
    await sleep(1500);

    const before = await snapshotCount();
    await withRedis(cycle, (r) => r.set('k', 'after'));
    await writeFile(join(filesDir, 'b.txt'), 'file B, written after');
    await unlink(join(filesDir, 'a.txt'));
    expect((await sync.sync()).index).toBeDefined();
    await shipped(before + 1);
    sync.close();
    expect((await rv.stop()).exitCode).toBe(0);

    // A new host: empty Redis data and an empty FILESDIR.
    await rm(join(home.dir, 'data', 'redis'), { recursive: true, force: true });
    await rm(filesDir, { recursive: true, force: true });
    const restore = await runCli(['restore', '--time', noted.toISOString()], { ...env, CONTAINERROLE: 'redis:web' });
    expect({ code: restore.exitCode, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await readdir(filesDir)).toEqual(['a.txt']);
    expect(await readFile(join(filesDir, 'a.txt'), 'utf8')).toBe('file A, there at the noted time');
    expect(existsSync(join(filesDir, 'b.txt'))).toBe(false);

    rv = new RolevisorProcess(['run'], env);
    await rv.ready(120_000);
    expect(await withRedis(cycle, (r) => r.get('k'))).toBe('before');
    expect((await rv.stop()).exitCode).toBe(0);
  }, 400_000);
});
