// This host's continuous engines for Redis and the app's files, wired to its life: restores
// at boot (before the services start), shipping started once each engine's service is ready,
// the tails flushed at the stop, and retention every hour anchored on the oldest kept
// generation (so every point in time a kept generation stands for stays restorable).
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { listGenerations } from '../generations/scan.js';
import type { Store } from '../store/store.js';
import type { BuiltService } from '../supervisor/build.js';
import type { ContinuousEngines } from './engines/continuous.js';
import { filesEngine, FILES_SERVICE_KIND, type FilesEngine } from './engines/files.js';
import { redisSnapshotEngine, type RedisSnapshotEngine } from './engines/redis-snapshots.js';

const PRUNE_EVERY_MS = 3_600_000;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class ContinuousHost {
  readonly engines: ContinuousEngines;
  readonly redis: RedisSnapshotEngine | undefined;
  readonly files: FilesEngine | undefined;
  readonly #store: Store;
  /** Where Redis keeps dump.rdb on this host ('' without a Redis). */
  readonly redisDataDir: string = '';
  readonly #log: Logger;
  #pruneTimer: NodeJS.Timeout | undefined;

  /** `engines`: the host's continuous engines (the lifecycle's, PostgreSQL's WAL among them), which these join. */
  constructor(options: {
    settings: Settings;
    built: BuiltService[];
    store: Store;
    log: Logger;
    engines: ContinuousEngines;
  }) {
    const { settings, built, store } = options;
    this.#store = store;
    this.#log = options.log.child({ component: 'continuous' });
    this.engines = options.engines;
    const redis = built.find((b) => b.service.kind === 'redis');
    // ARCHIVESECONDS=0 turns continuous shipping off: Redis goes into generations, as before.
    if (redis && settings.db.archiveSeconds > 0) {
      this.redisDataDir = redis.ctx.paths.data;
      this.redis = redisSnapshotEngine({ store, ctx: redis.ctx, log: this.#log });
      this.engines.add(this.redis);
    }
    const web = built.find((b) => b.service.kind === FILES_SERVICE_KIND);
    if (web) {
      this.files = filesEngine({
        store,
        root: settings.web.filesDir,
        intervalSec: settings.redis.snapshotSeconds,
        identity: web.ctx.identity,
        log: this.#log,
      });
      this.engines.add(this.files);
    }
  }

  /**
   * Restores FILESDIR when it is empty and the store has files (before the web services
   * start). Throws RV_RESTORE_FAILED when every index is damaged.
   */
  async restoreFiles(target?: Date): Promise<void> {
    if (!this.files) return;
    const { hasLocalData } = await this.files.prepare();
    if (hasLocalData) {
      this.#log.info(`${this.files.root} already holds files: keeping them (nothing is restored over them)`);
      return;
    }
    try {
      const restored = await this.files.restore(target);
      if (!restored) this.#log.info(`no files in the store: ${this.files.root} starts empty`);
    } catch (error) {
      throw catalogError('RV_RESTORE_FAILED', 'appFiles', { reason: message(error) }, { cause: error });
    }
  }

  /** Starts the hourly retention (once shipping started). */
  startRetention(): void {
    if (!this.#pruneTimer) {
      this.#pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
      this.#pruneTimer.unref();
    }
  }

  /** Retention: keeps everything from the oldest kept generation on (everything when there is none). */
  async prune(): Promise<void> {
    try {
      const oldest = (await listGenerations(this.#store)).at(-1);
      const keepFrom = oldest ? new Date(oldest.manifest.time) : undefined;
      await this.redis?.prune(keepFrom);
      await this.files?.prune(keepFrom);
    } catch (error) {
      this.#log.warn(`retention of Redis snapshots and files failed (${message(error)}); it runs again in an hour`);
    }
  }

  close(): void {
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
  }
}
