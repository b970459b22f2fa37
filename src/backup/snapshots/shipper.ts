// Continuous Redis snapshots: every REDISSNAPSHOTSECONDS, if the dataset changed since the
// last snapshot in the store, one more snapshot (take.ts). Idle costs one INFO and uploads
// nothing. A write lands in the store within the interval plus one snapshot's upload; while
// the store is unreachable the lag grows and every tick retries, so nothing is lost once it
// returns. The stop's tail is flush(): one last snapshot if anything changed.
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import type { ServiceContext } from '../../services/types.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import { connectRedis, parseInfo } from '../engines/redis/snapshot.js';
import type { SnapshotRecord } from './layout.js';
import { takeSnapshot } from './take.js';

export interface ShipperOptions {
  store: Store;
  ctx: Pick<ServiceContext, 'paths' | 'settings'>;
  log: Logger;
  intervalSec: number;
  host: string;
  /** The dataset Redis starts with is the store's newest snapshot: nothing to ship until it changes. */
  startsFromStore: boolean;
}

/** What Redis says about its dataset at a tick. */
interface Observation {
  runId: string;
  /** rdb_saves: finished saves since Redis started (ours and anyone else's). */
  saves: number;
  /** rdb_changes_since_last_save. */
  changes: number;
  version: string;
}

export interface ShipperStatus {
  /** The newest snapshot this host put in the store (its point in time, ms). */
  lastSnapshotAt: number | undefined;
  lastSnapshotId: string | undefined;
  lastBytes: number | undefined;
  /** Seconds of writes that would be lost now, at most (0 when nothing changed since the last snapshot). */
  lagSeconds: number;
  /** Changes Redis counted since the last snapshot that is in the store (at the last tick). */
  pendingChanges: number;
  consecutiveFailures: number;
  lastError: string | undefined;
  snapshots: number;
  bytesUploaded: number;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function observe(redis: Redis): Promise<Observation> {
  const server = parseInfo(await redis.info('server'));
  const persistence = parseInfo(await redis.info('persistence'));
  return {
    runId: server.run_id ?? '',
    version: server.redis_version ?? 'unknown',
    saves: Number(persistence.rdb_saves ?? 0),
    changes: Number(persistence.rdb_changes_since_last_save ?? 0),
  };
}

export class RedisSnapshotShipper {
  readonly #options: ShipperOptions;
  #redis: Redis | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** Ends a tick in flight when the shipper is closed: its snapshot then never gets a record. */
  readonly #abort = new AbortController();
  /** Redis after our last snapshot that reached the store (undefined: none yet). */
  #shipped: Observation | undefined;
  /** A snapshot was taken (Redis reset its change counter) but did not reach the store. */
  #unshipped = false;
  #firstTick = true;
  #started = Date.now();
  #pendingChanges = 0;
  #status: ShipperStatus = {
    lastSnapshotAt: undefined,
    lastSnapshotId: undefined,
    lastBytes: undefined,
    lagSeconds: 0,
    pendingChanges: 0,
    consecutiveFailures: 0,
    lastError: undefined,
    snapshots: 0,
    bytesUploaded: 0,
  };
  #dirtySince: number | undefined;

  constructor(options: ShipperOptions) {
    this.#options = options;
  }

  /** Starts the timer (when the service is ready). */
  start(): void {
    this.#started = Date.now();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.tick(this.#abort.signal).then(
        () => undefined,
        () => undefined,
      );
      void this.#running.finally(() => this.#schedule());
    }, this.#options.intervalSec * 1000);
    this.#timer.unref();
  }

  async #client(): Promise<Redis> {
    if (this.#redis && this.#redis.status === 'ready') return this.#redis;
    this.#redis?.disconnect();
    const redis = connectRedis(this.#options.ctx);
    await redis.connect();
    this.#redis = redis;
    return redis;
  }

  /** Whether Redis holds writes that no snapshot in the store has. */
  #changed(now: Observation): boolean {
    if (this.#unshipped) return true;
    const last = this.#shipped;
    if (!last) return true; // nothing of this Redis in the store yet
    // Another save (a generation's BGSAVE) or a restarted Redis reset the counter: we cannot tell, so ship.
    if (now.runId !== last.runId || now.saves !== last.saves) return true;
    return now.changes > 0;
  }

  /** One check, and a snapshot if the dataset changed. Returns the record shipped, if any. */
  async tick(signal?: AbortSignal): Promise<SnapshotRecord | undefined> {
    const { log, store } = this.#options;
    try {
      const redis = await this.#client();
      const now = await observe(redis);
      // Restored from the store's newest snapshot: that is the baseline (Redis loaded it, saves 0).
      if (this.#firstTick && this.#options.startsFromStore) this.#shipped = { ...now, saves: 0, changes: 0 };
      this.#firstTick = false;
      const changed = this.#changed(now);
      this.#pendingChanges = changed ? Math.max(now.changes, 1) : 0;
      if (!changed) {
        this.#dirtySince = undefined;
        this.#status.consecutiveFailures = 0;
        return undefined;
      }
      this.#dirtySince ??= this.#status.lastSnapshotAt ?? this.#started;
      this.#unshipped = true;
      const began = Date.now();
      const record = await takeSnapshot({
        store,
        redis,
        ctx: this.#options.ctx,
        host: this.#options.host,
        redisVersion: now.version,
        signal,
      });
      const after = await observe(redis);
      // The counter now holds only the writes made during the save: they stay pending.
      this.#shipped = { ...after, changes: 0 };
      this.#unshipped = after.changes > 0;
      this.#pendingChanges = after.changes;
      this.#dirtySince = after.changes > 0 ? new Date(record.time).getTime() : undefined;
      Object.assign(this.#status, {
        lastSnapshotAt: new Date(record.time).getTime(),
        lastSnapshotId: record.id,
        lastBytes: record.size,
        consecutiveFailures: 0,
        lastError: undefined,
        snapshots: this.#status.snapshots + 1,
        bytesUploaded: this.#status.bytesUploaded + record.size,
      });
      log.info(
        { snapshot: record.id, bytes: record.size, rdbBytes: record.rdbBytes, durationMs: Date.now() - began },
        `Redis snapshot ${record.id} in the store (${formatBytes(record.size)}, ${now.changes} change(s))`,
      );
      return record;
    } catch (error) {
      this.#status.consecutiveFailures += 1;
      this.#status.lastError = message(error);
      const lag = this.status().lagSeconds;
      log.warn(
        { failures: this.#status.consecutiveFailures, lagSeconds: lag },
        `Redis snapshot failed (${message(error)}); retrying every ${this.#options.intervalSec} s, ${lag.toFixed(0)} s of writes not yet in the store`,
      );
      throw error;
    }
  }

  status(): ShipperStatus {
    const lag = this.#dirtySince === undefined ? 0 : Math.max(0, (Date.now() - this.#dirtySince) / 1000);
    return { ...this.#status, lagSeconds: lag, pendingChanges: this.#pendingChanges };
  }

  /** The stop's tail: no more ticks; wait for one running; then one last snapshot if anything changed. */
  async flush(signal?: AbortSignal): Promise<SnapshotRecord | undefined> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
    try {
      return await this.tick(signal);
    } finally {
      this.close();
    }
  }

  close(): void {
    this.#stopped = true;
    this.#abort.abort(new Error('the Redis snapshot shipper was closed'));
    if (this.#timer) clearTimeout(this.#timer);
    this.#redis?.disconnect();
    this.#redis = undefined;
  }
}
