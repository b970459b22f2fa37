// Redis's state as its RDB snapshot: BGSAVE, then the fresh dump.rdb through zstd into one
// part; restored by placing it as dump.rdb before Redis starts (it loads it at start).
import { join } from 'node:path';
import { pathExists } from '../../../util/fsx.js';
import { formatBytes } from '../../../util/progress.js';
import type { StateEngine } from '../engine.js';
import { restoreRedis } from './restore.js';
import { RDB_FILE, snapshotRedis } from './snapshot.js';

export const REDIS_KIND = 'redis';
export const REDIS_PART = 'redis.rdb.zst';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const redisRdbEngine: StateEngine = {
  kind: REDIS_KIND,
  label: 'Redis',
  service: 'redis',
  restoreAt: 'before-start',
  partNames: REDIS_PART,

  backsUp: () => true,

  // Redis loads dump.rdb (or an append-only directory) at start.
  hasLocalData: async (ctx) =>
    (await pathExists(join(ctx.paths.data, RDB_FILE))) || pathExists(join(ctx.paths.data, 'appendonlydir')),

  async backUp({ ctx, addPart, signal, log }) {
    const started = Date.now();
    const snapshot = await snapshotRedis(ctx, { signal });
    const savedMs = Date.now() - started;
    log.info(
      { phase: 'redis-bgsave', durationMs: savedMs, rdbBytes: snapshot.size },
      `Redis BGSAVE done in ${seconds(savedMs)} (${formatBytes(snapshot.size)})`,
    );
    const part = await addPart(REDIS_PART, snapshot.pipeline.output!, {
      compression: 'zstd',
      expectedSize: Math.max(snapshot.size, 1),
    });
    log.info(
      { phase: 'redis', part: part.name, bytes: part.size, durationMs: Date.now() - started },
      `stored the Redis snapshot: ${formatBytes(part.size)} in ${seconds(Date.now() - started)}`,
    );
    return { version: snapshot.version };
  },

  restore: ({ store, candidates, ctx, log }) => restoreRedis(store, candidates, ctx, log),
};
