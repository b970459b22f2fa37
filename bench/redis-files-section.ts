// Continuous Redis snapshots and the application files' sync (issue 11, items 3 and 4), on
// the S3 API (s3rver, started here) with a real redis-server:
//   (a) Redis writes lost when the host dies: a steady INCR stream (one every 5 ms at most) on a dataset of
//       BENCH_REDIS_KEYS keys, redis-server SIGKILLed and the shipper dropped at a random
//       moment, a new Redis restored from the store: how old the newest surviving write was;
//   (b) objects and bytes uploaded per day, idle and under steady writes (Redis and files);
//   (c) the stop's tail: one last snapshot / one last sync after writes.
// BENCH_SMALL=1 shrinks it (fewer keys, shorter intervals) for a try.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createLogger } from '../src/log.js';
import { FilesSync } from '../src/backup/files/sync.js';
import { restoreRedisSnapshot } from '../src/backup/snapshots/restore.js';
import { RedisSnapshotShipper } from '../src/backup/snapshots/shipper.js';
import { createRedis } from '../src/services/redis/service.js';
import type { ServiceContext } from '../src/services/types.js';
import { S3Store } from '../src/store/s3-store.js';
import { freePort, serviceContext, tempHome, testSettings } from '../tests/helpers/env.js';
import { startService, type Running } from '../tests/helpers/start-service.js';
import { startS3rver } from '../tests/helpers/s3rver.js';
import type { BenchSection } from './sections.js';

const DAY = 86_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const stats = (xs: number[], digits = 1) =>
  `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${Math.max(...xs).toFixed(digits)}`;

async function client(port: number): Promise<Redis> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

export const redisFilesSection: BenchSection = {
  name: 'redis-files',
  async run({ say, full }) {
    const keys = Number(process.env.BENCH_REDIS_KEYS ?? (full ? 1_000_000 : 20_000));
    const intervalSec = full ? 10 : 2;
    const runs = full ? 3 : 2;
    const idleSec = full ? 60 : 8;
    const log = createLogger({ level: 'warn' });
    const home = await tempHome('rolevisor-bench-rf-');
    const server = await startS3rver();
    const store = new S3Store({ settings: server.settings('bench-redis-files'), log });
    await store.check();
    const port = await freePort();
    const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'redis', REDISPORT: String(port) });
    const ctx = await serviceContext(settings, 'redis', 'redis', log);
    let running: Running | undefined;
    const rows: string[] = [];
    try {
      running = await startService(createRedis(ctx), ctx);
      const filler = await client(port);
      await filler.eval(
        "local v = string.rep('v', 100) for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'k:' .. i, v) end return 1",
        0,
        String(keys),
      );
      filler.disconnect();
      say(`Redis holds ${keys} keys of 100 bytes`);

      // (a) host loss under steady writes.
      const lostSeconds: number[] = [];
      const lostWrites: number[] = [];
      let steadySnapshots = 0;
      let steadyBytes = 0;
      let steadySeconds = 0;
      let writesTotal = 0;
      for (let run = 0; run < runs; run += 1) {
        const shipper = new RedisSnapshotShipper({
          store,
          ctx,
          log,
          intervalSec,
          host: 'bench',
          startsFromStore: false,
        });
        const writer = await client(port);
        const key = `bench:counter:${run}`;
        const acked: { value: number; at: number }[] = [];
        let writing = true;
        const loop = (async () => {
          while (writing) {
            try {
              acked.push({ value: await writer.incr(key), at: Date.now() });
            } catch {
              return; // the host is gone
            }
            await sleep(5);
          }
        })();
        const began = Date.now();
        shipper.start();
        await sleep((2 * intervalSec + Math.random() * intervalSec) * 1000);
        // The host dies: Redis and the shipper at the same instant (an upload in flight never gets its record).
        const killedAt = Date.now();
        running.child.kill('SIGKILL');
        shipper.close();
        writing = false;
        await running.child;
        await loop;
        writer.disconnect();
        const status = shipper.status();
        steadySnapshots += status.snapshots;
        steadyBytes += status.bytesUploaded;
        steadySeconds += (killedAt - began) / 1000;

        const fresh: ServiceContext = await serviceContext(settings, `redis-new-${run}`, 'redis', log);
        await restoreRedisSnapshot(store, fresh, log);
        const restoredPort = await freePort();
        const freshSettings = testSettings({
          ROLEVISOR_HOME: home.dir,
          CONTAINERROLE: 'redis',
          REDISPORT: String(restoredPort),
        });
        const freshCtx = { ...fresh, settings: freshSettings };
        const restored = await startService(createRedis(freshCtx), freshCtx);
        const reader = await client(restoredPort);
        const survived = Number((await reader.get(key)) ?? 0);
        reader.disconnect();
        await restored.stop();
        const newest = acked.find((a) => a.value === survived);
        const last = acked.at(-1)!;
        lostWrites.push(last.value - survived);
        writesTotal += acked.length;
        lostSeconds.push((killedAt - (newest?.at ?? began)) / 1000);
        say(
          `run ${run + 1}: ${last.value - survived} acknowledged writes lost, the newest survivor ${lostSeconds.at(-1)!.toFixed(1)} s before the kill`,
        );
        running = await startService(createRedis(ctx), ctx); // the old host's disk again, for the next run
      }
      rows.push(
        `| (a) Redis writes lost at host loss, snapshot every ${intervalSec} s (min / median / max of ${runs}) | ${stats(lostSeconds)} s of writes (${stats(lostWrites, 0)} writes; ${(writesTotal / steadySeconds).toFixed(0)} acknowledged writes/s) | bound: the interval + one upload |`,
      );
      const perSnapshot = steadyBytes / Math.max(1, steadySnapshots);
      rows.push(
        `| (b) Redis under steady writes | ${(steadySnapshots / steadySeconds).toFixed(2)} snapshots/s measured (${mib(perSnapshot)} each) | at the default 60 s: ${2 * (DAY / 60)} objects and ${mib((perSnapshot * DAY) / 60)} a day |`,
      );

      // (b) idle: a baseline snapshot, then nothing changes.
      const idle = new RedisSnapshotShipper({ store, ctx, log, intervalSec: 1, host: 'bench', startsFromStore: false });
      await idle.tick();
      const before = idle.status();
      idle.start();
      const filesRoot = join(home.dir, 'files');
      await mkdir(filesRoot);
      for (let i = 0; i < 100; i += 1) await writeFile(join(filesRoot, `upload-${i}.pdf`), randomBytes(16_384));
      const sync = new FilesSync({ store, root: filesRoot, log, intervalSec: 1 });
      await sync.sync();
      const filesBefore = sync.status();
      sync.start();
      await sleep(idleSec * 1000);
      const idleRedis = idle.status();
      const idleFiles = sync.status();
      idle.close();
      sync.close();
      const idleObjects =
        idleRedis.snapshots -
        before.snapshots +
        idleFiles.objectsUploaded -
        filesBefore.objectsUploaded +
        idleFiles.indexesWritten -
        filesBefore.indexesWritten;
      const idleBytes =
        idleRedis.bytesUploaded - before.bytesUploaded + idleFiles.bytesUploaded - filesBefore.bytesUploaded;
      rows.push(
        `| (b) idle, Redis (${keys} keys) and 100 files checked every 1 s for ${idleSec} s | ${idleObjects} objects, ${idleBytes} bytes | ${((idleObjects * DAY) / idleSec).toFixed(0)} objects and ${((idleBytes * DAY) / idleSec).toFixed(0)} bytes a day |`,
      );

      // (b) files under steady writes: one new 64 KiB upload a second, a sync every interval.
      const steadySync = new FilesSync({ store, root: filesRoot, log, intervalSec });
      await steadySync.sync();
      const startStatus = steadySync.status();
      steadySync.start();
      const filesSeconds = 3 * intervalSec;
      for (let i = 0; i < filesSeconds; i += 1) {
        await writeFile(join(filesRoot, `steady-${i}.docx`), randomBytes(65_536));
        await sleep(1000);
      }
      await steadySync.flush();
      const s = steadySync.status();
      const objects = s.objectsUploaded - startStatus.objectsUploaded + s.indexesWritten - startStatus.indexesWritten;
      const bytes = s.bytesUploaded - startStatus.bytesUploaded;
      rows.push(
        `| (b) files, one new 64 KiB upload a second, synced every ${intervalSec} s | ${objects} objects, ${mib(bytes)} in ${filesSeconds} s | ${((objects * DAY) / filesSeconds).toFixed(0)} objects and ${mib((bytes * DAY) / filesSeconds)} a day (the indexes: ${s.indexesWritten - startStatus.indexesWritten} in ${filesSeconds} s) |`,
      );

      // (c) the stop's tail after writes.
      const tails: number[] = [];
      const fileTails: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const writer = await client(port);
        await writer.set(`tail:${i}`, 'x');
        writer.disconnect();
        const shipper = new RedisSnapshotShipper({
          store,
          ctx,
          log,
          intervalSec: 60,
          host: 'bench',
          startsFromStore: false,
        });
        const started = Date.now();
        await shipper.flush();
        tails.push((Date.now() - started) / 1000);
        await writeFile(join(filesRoot, `tail-${i}.pdf`), randomBytes(262_144));
        const tailSync = new FilesSync({ store, root: filesRoot, log, intervalSec: 60 });
        const t = Date.now();
        await tailSync.flush();
        fileTails.push((Date.now() - t) / 1000);
      }
      rows.push(
        `| (c) the stop's tail: one last Redis snapshot (${keys} keys) | ${stats(tails, 2)} s | min / median / max of 3 |`,
      );
      rows.push(
        `| (c) the stop's tail: one last files sync (a new host's first, ${100 + filesSeconds + 3} files) | ${stats(fileTails, 2)} s | it hashes every file once; a running host's sync rehashes only changed ones |`,
      );
    } finally {
      await running?.stop();
      await server.stop();
      await home.cleanup();
    }
    for (const row of rows) say(row);
    return [
      '## Redis snapshots and application files',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores against s3rver (the S3 API, loopback) with Debian's redis-server, by \`npm run bench -- redis-files\` (bench/redis-files-section.ts)${full ? '' : ' — a SMALL try, not the documented size'}.`,
      '',
      '| What | Measured | Per day / note |',
      '|---|---|---|',
      ...rows,
      '',
    ].join('\n');
  },
};
