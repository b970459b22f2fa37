// The store's part in one container's life, for main.ts: at boot, open the store (fail
// closed) and restore what is empty (Redis before it starts, PostgreSQL right after it
// started and before anything that depends on it); while running, scheduled and manual
// backups; at stop, the backup between the front and the back services. A boot whose
// restore failed or did not finish never writes a generation.
import { RolevisorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import type { BackupRecord, RuntimeState } from '../status/runtime.js';
import { scanGenerations, type GenerationScan } from '../generations/scan.js';
import type { Store } from '../store/store.js';
import type { BuiltService } from '../supervisor/build.js';
import type { Child, ChildStatus } from '../supervisor/child.js';
import { candidatesFor, type Candidate, type CandidateList } from './candidates.js';
import { checkNotStale, readLineage, recordRestored } from './lineage.js';
import { lastBackupFile, readLastBackup, slowBackupWarning } from './last-backup.js';
import { postgresHasData, redisHasData } from './local-data.js';
import { POSTGRES_KIND, REDIS_KIND } from './part-names.js';
import { restorePostgres } from './restore-postgres.js';
import { clearRestoring, discardUnfinishedRestore, markRestoring } from './restore-marker.js';
import { restoreRedis } from './restore-redis.js';
import { BackupRunner } from './runner.js';
import { BackupSchedule } from './schedule.js';
import { closeStore, openStoreAtBoot } from './store-check.js';
import type { BackupTargets } from './write-generation.js';

export interface LifecycleOptions {
  settings: Settings;
  built: BuiltService[];
  state: RuntimeState;
  log: Logger;
  version: string;
  /** A SIGTERM during boot: the store's retries end at once. */
  signal?: AbortSignal;
}

type RestoreState = 'kept' | 'nothing' | 'restored' | 'pending' | 'failed';

/** Time left after the backup at stop for stopping the back services (PostgreSQL, Redis, RabbitMQ). */
export const BACK_STOP_RESERVE_MS = 3000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

function builtOfKind(built: BuiltService[], kind: string): BuiltService | undefined {
  return built.find((b) => b.service.kind === kind);
}

export class StateLifecycle {
  readonly store: Store | undefined;
  readonly #options: LifecycleOptions;
  readonly #targets: BackupTargets;
  readonly #names: { postgres?: string; redis?: string };
  readonly #runner: BackupRunner | undefined;
  readonly #schedule: BackupSchedule | undefined;
  #problem: string | undefined;
  #postgres: RestoreState = 'nothing';
  #postgresPending: Candidate[] | undefined;
  #redisGeneration: string | undefined;

  private constructor(options: LifecycleOptions, store: Store | undefined, problem: string | undefined) {
    this.#options = options;
    this.store = store;
    this.#problem = problem;
    const { settings, built, log, state, version } = options;
    const postgres = builtOfKind(built, 'postgres');
    const redis = builtOfKind(built, 'redis');
    this.#names = { postgres: postgres?.plan.name, redis: redis?.plan.name };
    this.#targets = { postgres: settings.db.backup ? postgres?.ctx : undefined, redis: redis?.ctx };
    if (store && (this.#targets.postgres || this.#targets.redis)) {
      this.#runner = new BackupRunner({
        store,
        targets: this.#targets,
        settings,
        state,
        log: log.child({ component: 'backup' }),
        version,
        lastBackupFile: lastBackupFile(settings),
        blocked: () => this.blocked(),
      });
      this.#schedule = new BackupSchedule(
        settings.backupSchedule,
        settings.timezone,
        this.#runner,
        state,
        log.child({ component: 'backup' }),
      );
    }
  }

  /** Opens the store (fail closed) and restores what this host's empty data directories need. */
  static async boot(options: LifecycleOptions): Promise<StateLifecycle> {
    const { store, problem } = await openStoreAtBoot(options.settings, options.log, options.signal);
    const lifecycle = new StateLifecycle(options, store, problem);
    const postgres = builtOfKind(options.built, 'postgres');
    const redis = builtOfKind(options.built, 'redis');
    if (store && (postgres || redis)) await lifecycle.#prepareRestore(store, postgres, redis);
    return lifecycle;
  }

  async #prepareRestore(
    store: Store,
    postgres: BuiltService | undefined,
    redis: BuiltService | undefined,
  ): Promise<void> {
    const { log, settings } = this.#options;
    let scan: GenerationScan;
    try {
      scan = await scanGenerations(store);
    } catch (error) {
      throw new RolevisorError(
        'RV_STORE_UNREACHABLE',
        `cannot list the backup generations in the ${store.describe()}: ${message(error)}; check the store's permissions (list and read)`,
        { cause: error },
      );
    }
    for (const broken of scan.broken)
      log.error({ generation: broken.id }, `generation ${broken.id} is unusable: ${broken.reason}`);
    for (const leftover of scan.incomplete)
      log.info(
        { generation: leftover.id },
        `generation ${leftover.id} has no manifest (an interrupted backup): it does not count`,
      );
    log.info(
      { generations: scan.complete.map((g) => g.id) },
      `the store holds ${scan.complete.length} complete generation(s)${scan.complete[0] ? `, the newest ${scan.complete[0].id}` : ''}`,
    );
    const last = await readLastBackup(lastBackupFile(settings));
    const warning = slowBackupWarning(last, scan.complete[0]?.manifest.durationMs, settings.stopTimeoutSec);
    if (warning) log.warn(warning);
    // `rolevisor status` shows the last backup from the first moment, even in a new container.
    const newest = scan.complete[0]?.manifest;
    this.#options.state.lastBackup =
      last ??
      (newest && {
        trigger: 'store',
        startedAt: new Date(newest.time).getTime(),
        durationMs: newest.durationMs,
        bytes: newest.parts.reduce((sum, p) => sum + p.size, 0),
        ok: true,
        generation: newest.id,
      });

    if (redis) {
      const data = redis.ctx.paths.data;
      if (await redisHasData(data)) {
        const verdict = checkNotStale(
          'Redis',
          data,
          await readLineage(data),
          candidatesFor(scan, REDIS_KIND).usable[0],
        );
        log.info(
          { dataDir: data },
          `Redis has local data in ${data}: keeping it (nothing is restored over it; ${verdict})`,
        );
      } else {
        const list = this.#candidates(scan, REDIS_KIND, 'Redis');
        if (list.usable.length > 0) {
          try {
            this.#redisGeneration = await restoreRedis(store, list.usable, redis.ctx, log);
            await recordRestored(data, this.#redisGeneration, { considered: list.usable[0]!.id });
          } catch (error) {
            this.#restoreFailed('Redis', error);
          }
        }
      }
    }
    if (postgres) {
      const data = postgres.ctx.paths.data;
      await discardUnfinishedRestore(data, log);
      if (await postgresHasData(data)) {
        const verdict = checkNotStale(
          'PostgreSQL',
          data,
          await readLineage(data),
          candidatesFor(scan, POSTGRES_KIND).usable[0],
        );
        this.#postgres = 'kept';
        log.info(
          { dataDir: data },
          `PostgreSQL has local data in ${data}: keeping it (nothing is restored over it; ${verdict})`,
        );
      } else {
        const list = this.#candidates(scan, POSTGRES_KIND, 'PostgreSQL');
        if (list.usable.length > 0) {
          this.#postgres = 'pending';
          this.#postgresPending = list.usable;
          await markRestoring(data, list.usable[0]!.id);
          log.info(
            `PostgreSQL's data directory is empty: it is restored from generation ${list.usable[0]!.id} as soon as it has started, before anything that uses it`,
          );
        }
      }
    }
  }

  #candidates(scan: GenerationScan, kind: string, service: string): CandidateList {
    const { log } = this.#options;
    const list = candidatesFor(scan, kind);
    for (const skipped of list.skipped)
      log.error(
        { generation: skipped.id },
        `generation ${skipped.id} cannot restore ${service}: ${skipped.reason}; skipping it`,
      );
    if (list.usable.length === 0 && list.skipped.length === 0)
      log.info(`no generation in the store holds ${service} data: ${service} starts empty`);
    if (list.usable.length === 0 && list.skipped.length > 0)
      this.#restoreFailed(
        service,
        new RolevisorError('RV_RESTORE_FAILED', `every generation holding ${service} data is damaged`),
      );
    return list;
  }

  /** Without ALLOWFRESHSTART the boot stops; with it the service starts empty and nothing is backed up. */
  #restoreFailed(service: string, error: unknown): void {
    const { settings, log } = this.#options;
    if (!settings.allowFreshStart) {
      throw error instanceof RolevisorError
        ? error
        : new RolevisorError('RV_RESTORE_FAILED', `restoring ${service}: ${message(error)}`, { cause: error });
    }
    log.error(
      `ALLOWFRESHSTART=true: ${service} starts EMPTY although the store holds backups of it (${message(error)}); this boot writes no backup, so the generations in the store stay as they are`,
    );
    this.#problem = `the restore of ${service} failed at boot (started empty because ALLOWFRESHSTART=true)`;
  }

  /** For the supervisor: runs once PostgreSQL is up, before any service that depends on it. */
  readonly afterReady = async (child: Child): Promise<void> => {
    if (child.service.kind !== 'postgres' || !this.#postgresPending || !this.store) return;
    const candidates = this.#postgresPending;
    this.#postgresPending = undefined;
    const ctx = builtOfKind(this.#options.built, 'postgres')!.ctx;
    const { log } = this.#options;
    try {
      const generation = await restorePostgres(this.store, candidates, ctx, log);
      await recordRestored(ctx.paths.data, generation, { considered: candidates[0]!.id });
      await clearRestoring(ctx.paths.data);
      this.#postgres = 'restored';
      if (this.#redisGeneration && this.#redisGeneration !== generation) {
        log.warn(
          `PostgreSQL was restored from generation ${generation} but Redis from ${this.#redisGeneration}: each from the newest generation that proved intact for it`,
        );
      }
    } catch (error) {
      this.#postgres = 'failed';
      if (!this.#options.settings.allowFreshStart) throw error; // the marker stays: the next boot restores again
      await clearRestoring(ctx.paths.data);
      this.#restoreFailed('PostgreSQL', error);
    }
  };

  /** Why no backup may be written by this boot, or undefined. */
  blocked(): string | undefined {
    if (this.#problem) return this.#problem;
    if (this.#postgres === 'pending') return 'the restore of PostgreSQL has not finished';
    if (this.#postgres === 'failed') return 'the restore of PostgreSQL failed';
    return undefined;
  }

  startSchedule(): void {
    this.#schedule?.start();
  }

  /** A backup now (the control endpoint's POST /backup). */
  async backup(): Promise<BackupRecord> {
    if (!this.#runner) {
      const why =
        this.#problem ??
        (this.store ? 'this host runs neither the sql nor the redis role (or DBBACKUP=false)' : 'there is no store');
      throw new RolevisorError('RV_BACKUP_FAILED', `nothing to back up here: ${why}`);
    }
    return this.#runner.run('manual');
  }

  /** The supervisor's betweenPhases: the front services are down, the back ones still up. */
  stopPhase(deadline: number, services: () => ChildStatus[]): () => Promise<void> {
    return async () => {
      this.#schedule?.stop();
      if (!this.#targets.postgres && !this.#targets.redis) return;
      const { log } = this.#options;
      const blocked = this.blocked();
      if (blocked) {
        log.warn(`no backup at stop: ${blocked}; the generations in the store stay as they are`);
        await this.#runner?.abortRunning('the container is stopping');
        return;
      }
      if (!this.#runner) return;
      const names = [
        this.#targets.postgres ? this.#names.postgres : undefined,
        this.#targets.redis ? this.#names.redis : undefined,
      ].filter((n): n is string => n !== undefined);
      const notReady = services().filter((s) => names.includes(s.name) && s.state !== 'ready');
      if (notReady.length > 0) {
        log.warn(
          `no backup at stop: ${notReady.map((s) => `${s.name} is ${s.state}`).join(', ')}; the generations in the store stay as they are`,
        );
        await this.#runner.abortRunning('the container is stopping');
        return;
      }
      const backupDeadline = deadline - BACK_STOP_RESERVE_MS;
      log.info(
        { secondsLeft: Math.round((backupDeadline - Date.now()) / 100) / 10 },
        `backing up before stopping the back services (${((backupDeadline - Date.now()) / 1000).toFixed(1)} s available)`,
      );
      await this.#runner.run('stop', { deadline: backupDeadline });
    };
  }

  close(): void {
    this.#schedule?.stop();
    closeStore(this.store);
  }
}
