// This host's continuous engines (engines/continuous-registry.ts), wired to its life: the
// ones that restore their own state do so at boot before the services start, each to its
// newest verified state at or before the host's target time; shipping starts once each
// engine's service is ready; the tails are flushed at the stop; and retention runs every
// hour anchored on the oldest kept generation (so every point in time a kept generation
// stands for stays restorable).
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { listGenerations } from '../generations/scan.js';
import type { Store } from '../store/store.js';
import type { BuiltService } from '../supervisor/build.js';
import { isRestoring, type ContinuousEngines, type RestoringEngine } from './engines/continuous.js';
import { continuousEnginesFor } from './engines/continuous-registry.js';
import type { StateEngine } from './engines/engine.js';

const PRUNE_EVERY_MS = 3_600_000;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class ContinuousHost {
  readonly engines: ContinuousEngines;
  readonly restoring: RestoringEngine[];
  readonly #store: Store;
  readonly #log: Logger;
  #pruneTimer: NodeJS.Timeout | undefined;

  /** `engines`: the host's continuous engines (the lifecycle's), which this host's join. */
  constructor(options: {
    settings: Settings;
    built: BuiltService[];
    store: Store;
    log: Logger;
    engines: ContinuousEngines;
    backedUp: readonly StateEngine[];
  }) {
    this.#store = options.store;
    this.#log = options.log.child({ component: 'continuous' });
    this.engines = options.engines;
    const mine = continuousEnginesFor(options);
    for (const engine of mine) this.engines.add(engine);
    this.restoring = mine.filter(isRestoring);
  }

  /** The continuous engine that stands in for a state engine's generation parts, if any. */
  standIn(kind: string): RestoringEngine | undefined {
    return this.restoring.find((e) => e.standsInFor === kind);
  }

  /**
   * Restores the engines that restore on their own (the app's files) when their place is
   * empty, to their newest verified state at or before `target`, before the services start.
   * Throws RV_RESTORE_FAILED when every candidate of one is damaged.
   */
  async restoreOwn(target: Date | undefined): Promise<void> {
    for (const engine of this.restoring.filter((e) => e.standsInFor === undefined)) {
      const { hasLocalData } = await engine.prepare();
      if (hasLocalData) {
        this.#log.info(`${engine.label} are already there: keeping them (nothing is restored over them)`);
        continue;
      }
      try {
        const restored = await engine.restore(target);
        if (restored)
          this.#log.info(
            { engine: engine.engine, id: restored.id, time: restored.time.toISOString() },
            `${engine.engine}: restored ${engine.label} as of ${restored.time.toISOString()} (${restored.id})${target ? `, the newest at or before the host's target time ${target.toISOString()}` : ''}`,
          );
        else
          this.#log.info(
            `${engine.engine}: nothing in the store${target ? ` from at or before ${target.toISOString()}` : ''}: ${engine.label} start empty`,
          );
      } catch (error) {
        throw catalogError(
          'RV_RESTORE_FAILED',
          'engineRestore',
          { what: engine.label, reason: message(error) },
          { cause: error },
        );
      }
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
      for (const engine of this.restoring) await engine.prune(keepFrom);
    } catch (error) {
      this.#log.warn(`retention of the continuous state failed (${message(error)}); it runs again in an hour`);
    }
  }

  close(): void {
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
  }
}
