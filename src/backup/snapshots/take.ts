// One Redis snapshot into the store: BGSAVE (the moment Redis answers is the snapshot's
// point in time: it forked then), wait for that very save, stream the dump.rdb it wrote
// through zstd and a sha256 into an immutable object, then write its record. A failure
// leaves at most a record-less data object, which does not count and is pruned later.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ServiceContext } from '../../services/types.js';
import { HashingStream } from '../../generations/digest.js';
import type { Store } from '../../store/store.js';
import { startPipeline } from '../pipeline.js';
import { parseInfo, RDB_FILE, saveFinished, saveProgress } from '../engines/redis/snapshot.js';
import { ZSTD, ZSTD_COMPRESS_ARGS, zstdEnv } from '../zstd.js';
import {
  newSnapshotId,
  serializeSnapshotRecord,
  snapshotDataKey,
  snapshotRecordKey,
  type SnapshotRecord,
} from './layout.js';

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs BGSAVE (waiting out one already running) and returns when Redis forked for it. */
export async function bgsaveAndWait(redis: Redis, signal?: AbortSignal): Promise<Date> {
  const progress = async () => saveProgress(parseInfo(await redis.info('persistence')));
  let before = await progress();
  let forkedAt: Date;
  for (;;) {
    signal?.throwIfAborted();
    try {
      await redis.bgsave();
      forkedAt = new Date();
      break;
    } catch (error) {
      if (!/in progress/i.test((error as Error).message)) throw error;
      await sleep(POLL_MS);
      before = await progress();
    }
  }
  for (;;) {
    signal?.throwIfAborted();
    const now = await progress();
    if (saveFinished(before, now)) {
      if (now.lastStatus !== 'ok')
        throw new Error(`Redis BGSAVE failed (rdb_last_bgsave_status:${now.lastStatus}); see the redis log lines`);
      return forkedAt;
    }
    await sleep(POLL_MS);
  }
}

export interface TakeOptions {
  store: Store;
  redis: Redis;
  ctx: Pick<ServiceContext, 'paths'>;
  host: string;
  redisVersion: string;
  signal?: AbortSignal;
}

/** BGSAVE, then the data object and its record. Returns the record written. */
export async function takeSnapshot(options: TakeOptions): Promise<SnapshotRecord> {
  const { store, redis, ctx, signal } = options;
  const forkedAt = await bgsaveAndWait(redis, signal);
  // Opened at once: a later save renames a new file over the name, an open descriptor keeps this one.
  let handle: FileHandle | undefined = await open(join(ctx.paths.data, RDB_FILE), 'r');
  try {
    const rdbBytes = (await handle.stat()).size;
    const id = newSnapshotId(forkedAt);
    const zstd = startPipeline(
      [{ name: 'zstd of the Redis snapshot', file: ZSTD, args: ZSTD_COMPRESS_ARGS, env: zstdEnv(), cwd: '/' }],
      { input: handle.createReadStream({ autoClose: true }), signal },
    );
    handle = undefined; // the read stream owns it now
    const hashing = new HashingStream();
    const upload = store.put(snapshotDataKey(id), zstd.output!.pipe(hashing), { expectedSize: rdbBytes });
    zstd.output!.on('error', (error: Error) => hashing.destroy(error));
    const results = await Promise.allSettled([upload, zstd.done]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await store.delete(snapshotDataKey(id)).catch(() => undefined);
      throw failed.reason;
    }
    const { size, sha256 } = hashing.digest();
    const record: SnapshotRecord = {
      format: 1,
      id,
      time: forkedAt.toISOString(),
      host: options.host,
      redisVersion: options.redisVersion,
      size,
      sha256,
      compression: 'zstd',
      rdbBytes,
    };
    signal?.throwIfAborted();
    await store.putText(snapshotRecordKey(id), serializeSnapshotRecord(record));
    return record;
  } finally {
    await handle?.close();
  }
}
