// The store unreachable for a while (s3rver killed, then back on the same port with the same
// objects): Redis snapshots and the files sync fail and say so, their lag grows, and once the
// store returns the next round ships everything; a new host then restores all of it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { restoreFiles } from '../../../../src/backup/files/restore.js';
import { FilesSync } from '../../../../src/backup/files/sync.js';
import { restoreRedisSnapshot } from '../../../../src/backup/snapshots/restore.js';
import { RedisSnapshotShipper } from '../../../../src/backup/snapshots/shipper.js';
import { createRedis } from '../../../../src/services/redis/service.js';
import type { ServiceContext } from '../../../../src/services/types.js';
import { S3Store } from '../../../../src/store/s3-store.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../../helpers/env.js';
import { startService, type Running } from '../../../helpers/start-service.js';
import { startS3rver, type S3rverHandle } from '../../../helpers/s3rver.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the store goes away and comes back', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: S3rverHandle;
  let store: S3Store;
  let running: Running | undefined;
  let ctx: ServiceContext;
  let port: number;
  const logger = memoryLogger();

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
    server = await startS3rver();
    store = new S3Store({ settings: server.settings('outage'), log: logger.log, connectionTimeoutMs: 1000 });
    await store.check();
    const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'redis', REDISPORT: String(port) });
    ctx = await serviceContext(settings, 'redis', 'redis', logger.log);
    running = await startService(createRedis(ctx), ctx);
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
    await server.stop();
    await home.cleanup();
  });

  test('lag grows while it is away; nothing is lost once it returns', async () => {
    const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    const root = join(home.dir, 'files');
    await mkdir(root);
    const shipper = new RedisSnapshotShipper({
      store,
      ctx,
      log: logger.log,
      intervalSec: 1,
      host: 't',
      startsFromStore: false,
    });
    const sync = new FilesSync({ store, root, log: logger.log, intervalSec: 1 });

    await redis.set('before', '1');
    await writeFile(join(root, 'before.txt'), 'before the outage');
    expect(await shipper.tick()).toBeDefined();
    expect((await sync.sync()).index).toBeDefined();
    expect(shipper.status().lagSeconds).toBe(0);

    await server.halt();
    await redis.set('during', '2');
    await writeFile(join(root, 'during.txt'), 'written while the store was away');
    await expect(shipper.tick()).rejects.toThrow();
    await expect(sync.sync()).rejects.toThrow();
    const first = { redis: shipper.status(), files: sync.status() };
    expect(first.redis.consecutiveFailures).toBe(1);
    expect(first.redis.lastError).toBeDefined();
    expect(first.files.lastError).toBeDefined();
    await sleep(1500);
    await expect(shipper.tick()).rejects.toThrow();
    await expect(sync.sync()).rejects.toThrow();
    expect(shipper.status().lagSeconds).toBeGreaterThan(first.redis.lagSeconds);
    expect(shipper.status().lagSeconds).toBeGreaterThan(1);
    expect(sync.status().lagSeconds).toBeGreaterThan(1);
    expect(shipper.status().consecutiveFailures).toBe(2);
    expect(
      logger
        .lines()
        .some((l) => l.level === 'warn' && /^Redis snapshot failed .* not yet in the store/.test(String(l.msg))),
    ).toBe(true);

    server = await startS3rver({ port: server.port, dir: server.dir });
    expect(await shipper.tick()).toBeDefined();
    expect((await sync.sync()).uploaded).toBe(1);
    expect(shipper.status()).toMatchObject({ lagSeconds: 0, consecutiveFailures: 0, lastError: undefined });
    expect(sync.status()).toMatchObject({ lagSeconds: 0, pendingFiles: 0, lastError: undefined });
    shipper.close();
    sync.close();
    redis.disconnect();

    // A new host: the write and the file made during the outage are there.
    const fresh = await serviceContext(ctx.settings, 'redis-new', 'redis', logger.log);
    await restoreRedisSnapshot(store, fresh, logger.log);
    expect((await readFile(join(fresh.paths.data, 'dump.rdb'))).includes(Buffer.from('during'))).toBe(true);
    const restoredRoot = join(home.dir, 'files-new');
    expect((await restoreFiles(store, restoredRoot, { log: logger.log }))?.files).toBe(2);
    expect(await readFile(join(restoredRoot, 'during.txt'), 'utf8')).toBe('written while the store was away');
  });
});
