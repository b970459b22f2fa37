// The continuous-shipping capability of a state engine, and the host-wide pieces every
// engine plugs into: shipping starts once the engine's service is ready; the stop flushes
// the tails in one fixed order within one deadline (PostgreSQL's WAL first, then the other
// engines, then the back services stop); a restore brings every engine to its newest
// verified state at or before ONE target time for the whole host (docs/storage.md).
import type { Logger } from '../../log.js';

/** What an engine has not yet put in the store, for `rolevisor status` and /metrics. */
export interface ShippingStatus {
  /** e.g. 'postgres-wal', 'redis', 'files'. */
  engine: string;
  /** Age of the oldest change not yet durably in the store; 0 when caught up. */
  lagSeconds: number;
  /** Bytes written locally and not yet in the store. */
  lagBytes: number;
  /** The last object shipped (a segment name, a snapshot key) and when (ms since epoch). */
  lastShipped?: { name: string; at: number };
  /** The current failure, while shipping fails (store unreachable, ...). */
  error?: string;
}

/** An engine whose state goes to the store continuously while its service runs. */
export interface ContinuousEngine {
  readonly engine: string;
  /** The service kind whose readiness starts shipping (e.g. 'postgres', 'redis'). */
  readonly serviceKind: string;
  /** Lower flushes first at the stop: PostgreSQL's WAL is 0, the other engines after it. */
  readonly stopOrder: number;
  /** Starts shipping; called once the service is ready (and its restore, if any, finished). */
  start(): Promise<void>;
  /**
   * The stop path (front services already down, this service still up): ships the tail
   * and resolves once it is durably in the store. Must give up at `deadline` (ms since
   * epoch) by throwing; never a full dump.
   */
  flush(deadline: number): Promise<void>;
  /** Ends background shipping (after flush, or when the service is gone). Idempotent. */
  stop(): Promise<void>;
  status(): ShippingStatus;
  /**
   * After every engine flushed at the stop: a last mark of this engine's point in time later
   * than the others' tails (PostgreSQL: one commit, archived), so the host's one target time
   * at the next restore keeps them all.
   */
  seal?(deadline: number): Promise<void>;
  /** Before its service starts (PostgreSQL's first archive_command must find rolevisor listening). */
  beforeStart?(): Promise<void>;
  /** Whether it restores its own state (RestoringEngine). */
  readonly restores?: true;
}

/** What one engine can bring back for a target, found before anything is written. */
export interface RestorePlan {
  engine: string;
  /** The moment the restored state reflects (a snapshot's time, an index's time, ...). */
  reachable: Date;
  /** Human words for the log: what is restored and from where. */
  describe: string;
}

/** What a continuous restore placed: its object's id and the moment it is from. */
export interface ContinuousRestored {
  id: string;
  time: Date;
}

/**
 * A continuous engine that restores its own state too (Redis snapshots, the app's files),
 * before its service starts, to its newest verified state at or before the host's target.
 */
export interface RestoringEngine extends ContinuousEngine {
  readonly restores: true;
  /**
   * The state engine kind (registry.ts) whose generation parts it stands in for when its own
   * state is at least as new (Redis: its snapshots beside a generation's redis part), or
   * undefined when it restores on its own (the files).
   */
  readonly standsInFor?: string;
  /** For people: "the files in /srv/files". */
  readonly label: string;
  /** Makes the place it restores into and says whether it already holds data (then nothing is restored). */
  prepare(): Promise<{ hasLocalData: boolean }>;
  /** What a restore to `target` would bring back (no bytes read), or undefined when nothing. */
  plan(target: Date | undefined): Promise<RestorePlan | undefined>;
  /** Places its newest verified state at or before `target`; undefined when the store has none that early. */
  restore(target: Date | undefined): Promise<ContinuousRestored | undefined>;
  /** Retention: keeps what the oldest kept point in time needs. */
  prune(keepFrom: Date | undefined): Promise<void>;
}

export const isRestoring = (engine: ContinuousEngine): engine is RestoringEngine => engine.restores === true;

/** Where the host's target time moves: to the earlier of the two (undefined: no bound yet). */
export function earlier(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The continuous engines of one host: started with their services, flushed in order at the stop. */
export class ContinuousEngines {
  readonly #engines: ContinuousEngine[] = [];
  readonly #started = new Set<ContinuousEngine>();

  constructor(private readonly log: Logger) {}

  add(engine: ContinuousEngine): void {
    this.#engines.push(engine);
    this.#engines.sort((a, b) => a.stopOrder - b.stopOrder);
  }

  get engines(): readonly ContinuousEngine[] {
    return this.#engines;
  }

  /** For the supervisor's afterReady: starts the engines of that service kind. */
  async serviceReady(kind: string): Promise<void> {
    for (const engine of this.#engines.filter((e) => e.serviceKind === kind && !this.#started.has(e))) {
      this.#started.add(engine);
      await engine.start();
    }
  }

  /**
   * The stop: every started engine flushes in stopOrder within the deadline, then stops.
   * A failed flush is logged loudly and the next engine still flushes; returns the failures.
   */
  async flushAll(deadline: number): Promise<string[]> {
    const failures: string[] = [];
    for (const engine of this.#engines.filter((e) => this.#started.has(e))) {
      const started = Date.now();
      try {
        await engine.flush(deadline);
        this.log.info(
          { engine: engine.engine, durationMs: Date.now() - started },
          `${engine.engine}: tail flushed to the store in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      } catch (error) {
        failures.push(`${engine.engine}: ${message(error)}`);
        this.log.error(
          { engine: engine.engine },
          `${engine.engine}: THE TAIL DID NOT REACH THE STORE at the stop: ${message(error)}`,
        );
      }
    }
    for (const engine of this.#engines.filter((e) => this.#started.has(e))) {
      try {
        await engine.seal?.(deadline);
      } catch (error) {
        failures.push(`${engine.engine}: ${message(error)}`);
        this.log.error(
          { engine: engine.engine },
          `${engine.engine}: the last mark at the stop failed: ${message(error)}`,
        );
      }
    }
    await this.stopAll();
    return failures;
  }

  async stopAll(): Promise<void> {
    for (const engine of this.#engines) await engine.stop().catch(() => undefined);
  }

  status(): ShippingStatus[] {
    return this.#engines.map((e) => e.status());
  }
}
