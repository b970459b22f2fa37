// Redis as a continuous engine: snapshots shipped while Redis runs (snapshots/shipper.ts),
// the stop's tail one last snapshot, and a restore to the newest verified snapshot at or
// before the host's target time (snapshots/restore.ts), placed before Redis starts.
import { hostname } from 'node:os';
import type { Logger } from '../../log.js';
import type { ServiceContext } from '../../services/types.js';
import type { Store } from '../../store/store.js';
import { pruneRedisSnapshots } from '../snapshots/prune.js';
import { restoreRedisSnapshot, snapshotsAtOrBefore, type RestoredSnapshot } from '../snapshots/restore.js';
import { RedisSnapshotShipper } from '../snapshots/shipper.js';
import { snapshotDataKey } from '../snapshots/layout.js';
import type { RestorePlan, RestoringEngine, ShippingStatus } from './continuous.js';
import { REDIS_KIND, redisRdbEngine } from './redis/engine.js';

export const REDIS_SNAPSHOTS_ENGINE = 'redis';

export interface RedisSnapshotEngine extends RestoringEngine {
  /** Places the newest verified snapshot at or before `target` into the empty data directory. */
  restore(target: Date | undefined): Promise<RestoredSnapshot | undefined>;
}

export function redisSnapshotEngine(options: { store: Store; ctx: ServiceContext; log: Logger }): RedisSnapshotEngine {
  const { store, ctx } = options;
  const log = options.log.child({ engine: REDIS_SNAPSHOTS_ENGINE });
  let restored = false;
  let shipper: RedisSnapshotShipper | undefined;
  const make = () =>
    new RedisSnapshotShipper({
      store,
      ctx,
      log,
      intervalSec: ctx.settings.redis.snapshotSeconds,
      host: hostname(),
      startsFromStore: restored,
    });

  return {
    engine: REDIS_SNAPSHOTS_ENGINE,
    serviceKind: 'redis',
    stopOrder: 10,
    restores: true,
    standsInFor: REDIS_KIND,
    label: 'Redis',

    prepare: async () => ({ hasLocalData: await redisRdbEngine.hasLocalData(ctx) }),

    async plan(target): Promise<RestorePlan | undefined> {
      const newest = (await snapshotsAtOrBefore(store, target))[0];
      return (
        newest && {
          engine: REDIS_SNAPSHOTS_ENGINE,
          reachable: newest.time,
          describe: `Redis snapshot ${snapshotDataKey(newest.id)}`,
        }
      );
    },

    async restore(target) {
      const result = await restoreRedisSnapshot(store, ctx, log, target);
      restored = result !== undefined && result.damaged.length === 0;
      return result;
    },

    async start() {
      shipper = make();
      shipper.start();
      log.info(`Redis snapshots to the store every ${ctx.settings.redis.snapshotSeconds} s while the dataset changes`);
    },

    async flush(deadline) {
      if (!shipper) return;
      const signal = AbortSignal.timeout(Math.max(0, deadline - Date.now()));
      await shipper.flush(signal);
    },

    async stop() {
      shipper?.close();
    },

    async prune(keepFrom) {
      await pruneRedisSnapshots(store, { keepFrom, log });
    },

    status(): ShippingStatus {
      const s = shipper?.status();
      return {
        engine: REDIS_SNAPSHOTS_ENGINE,
        lagSeconds: s?.lagSeconds ?? 0,
        // Redis does not say how many bytes the unshipped writes are; the last snapshot's size bounds a retry's cost.
        lagBytes: s && s.lagSeconds > 0 ? (s.lastBytes ?? 0) : 0,
        ...(s?.lastSnapshotId && s.lastSnapshotAt
          ? { lastShipped: { name: snapshotDataKey(s.lastSnapshotId), at: s.lastSnapshotAt } }
          : {}),
        ...(s?.lastError ? { error: s.lastError } : {}),
      };
    },
  };
}
