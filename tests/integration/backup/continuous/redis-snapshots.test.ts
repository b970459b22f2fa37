// Continuous Redis snapshots with a real redis-server and the local-directory store: a
// snapshot only when the dataset changed (nothing while idle), each one immutable with its
// size and sha256; restore of the newest one at or before a time; a damaged snapshot is
// detected and the older one used, loudly; retention keeps what a kept point in time needs.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { listSnapshots, readSnapshotRecord, snapshotDataKey } from '../../../../src/backup/snapshots/layout.js';
import { pruneRedisSnapshots } from '../../../../src/backup/snapshots/prune.js';
import { restoreRedisSnapshot } from '../../../../src/backup/snapshots/restore.js';
import { RedisSnapshotShipper } from '../../../../src/backup/snapshots/shipper.js';
import { createRedis } from '../../../../src/services/redis/service.js';
import type { ServiceContext } from '../../../../src/services/types.js';
import { FsStore } from '../../../../src/store/fs-store.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../../helpers/env.js';
import { startService, type Running } from '../../../helpers/start-service.js';

describe('continuous Redis snapshots', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let port: number;
  let running: Running | undefined;
  let ctx: ServiceContext;
  let store: FsStore;
  const logger = memoryLogger();

  const context = async (service: string) =>
    serviceContext(
      testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'redis', REDISPORT: String(port) }),
      service,
      'redis',
      logger.log,
    );
  const client = async () => {
    const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    return redis;
  };
  const shipper = (startsFromStore = false) =>
    new RedisSnapshotShipper({ store, ctx, log: logger.log, intervalSec: 1, host: 'test', startsFromStore });

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
    store = new FsStore({ root: join(home.dir, 'store'), log: logger.log });
    await store.check();
    ctx = await context('redis');
    running = await startService(createRedis(ctx), ctx);
  });
  afterAll(async () => {
    await running?.stop();
    await home.cleanup();
  });

  const times: Date[] = [];

  test('a snapshot when the dataset changed, none while idle', async () => {
    const redis = await client();
    await redis.set('v', '1');
    const ship = shipper();
    const first = await ship.tick();
    expect(first).toBeDefined();
    expect(await ship.tick()).toBeUndefined(); // idle: nothing uploaded
    expect(await ship.tick()).toBeUndefined();
    expect((await listSnapshots(store)).complete).toHaveLength(1);
    times.push(new Date());

    await redis.set('v', '2');
    await redis.rpush('list', 'a', 'b');
    expect(ship.status().pendingChanges).toBe(0);
    const second = await ship.tick();
    expect(second?.id).not.toBe(first?.id);
    expect(ship.status()).toMatchObject({ snapshots: 2, lastSnapshotId: second?.id, lagSeconds: 0 });
    times.push(new Date());

    // A save by someone else (a generation's BGSAVE) resets Redis's counter: ship to be sure.
    await redis.set('v', '3');
    await redis.save();
    expect(await ship.tick()).toBeDefined();
    expect(await ship.tick()).toBeUndefined();
    redis.disconnect();

    const listing = await listSnapshots(store);
    expect(listing.complete).toHaveLength(3);
    expect(listing.leftovers).toEqual([]);
    const record = await readSnapshotRecord(store, second!.id);
    expect(record).toMatchObject({ format: 1, compression: 'zstd', size: second!.size, sha256: second!.sha256 });
    expect(listing.complete.find((s) => s.id === second!.id)?.size).toBe(record.size);
    ship.close();
  });

  test('a Redis restored from the store ships nothing until it changes', async () => {
    // Restarted on the dump.rdb of the last snapshot: what a restore leaves.
    await running?.stop();
    running = await startService(createRedis(ctx), ctx);
    const ship = shipper(true);
    expect(await ship.tick()).toBeUndefined();
    const redis = await client();
    await redis.set('after-restore', 'x');
    redis.disconnect();
    expect(await ship.tick()).toBeDefined();
    ship.close();
  });

  test('restore: the newest snapshot at or before a time, into an empty data directory', async () => {
    const target = await context('redis-restored');
    const restored = await restoreRedisSnapshot(store, target, logger.log, times[0]);
    expect(restored?.time.getTime()).toBeLessThanOrEqual(times[0].getTime());
    const rdb = await readFile(join(target.paths.data, 'dump.rdb'));
    expect(rdb.subarray(0, 5).toString()).toBe('REDIS');
    expect(rdb.includes(Buffer.from('list'))).toBe(false); // written after times[0]

    const at1 = await restoreRedisSnapshot(store, target, logger.log, times[1]);
    expect(at1?.id).not.toBe(restored?.id);
    expect((await readFile(join(target.paths.data, 'dump.rdb'))).includes(Buffer.from('list'))).toBe(true);

    expect(await restoreRedisSnapshot(store, target, logger.log, new Date('2000-01-01T00:00:00Z'))).toBeUndefined();
  });

  test('a damaged snapshot is detected and the older one restored, loudly', async () => {
    const newest = (await listSnapshots(store)).complete[0];
    const path = join(store.root, ...snapshotDataKey(newest.id).split('/'));
    const bytes = await readFile(path);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(path, bytes);

    const target = await context('redis-fallback');
    const restored = await restoreRedisSnapshot(store, target, logger.log);
    expect(restored?.id).not.toBe(newest.id);
    expect(restored?.damaged[0]).toMatch(new RegExp(`^${newest.id}: sha256 mismatch`));
    expect(
      logger
        .lines()
        .some((l) => l.level === 'error' && String(l.msg).startsWith(`REDIS SNAPSHOT ${newest.id} IS DAMAGED`)),
    ).toBe(true);
    // Nothing half-written is left next to the restored file.
    expect(await readdir(target.paths.data)).toEqual(['dump.rdb']);
  });

  test('retention keeps everything after the oldest kept point in time and the one before it', async () => {
    const all = (await listSnapshots(store)).complete; // newest first
    expect(all.length).toBeGreaterThanOrEqual(4);
    const keepFrom = new Date(all[1].time.getTime() + 1); // between the two newest
    const { deleted } = await pruneRedisSnapshots(store, { keepFrom, log: logger.log });
    expect(deleted.sort()).toEqual(
      all
        .slice(2)
        .map((s) => s.id)
        .sort(),
    );
    expect((await listSnapshots(store)).complete.map((s) => s.id)).toEqual([all[0].id, all[1].id]);
    expect((await pruneRedisSnapshots(store, { keepFrom: undefined, log: logger.log })).deleted).toEqual([]);
  });
});
