// The store's part in one container's life, for container.ts: at boot, open the store (fail
// closed) and restore what is empty, each state engine at its time (before its service
// starts, or right after it is ready and before anything that depends on it); while
// running, scheduled and manual backups; at stop, the backup between the front and the
// back services. A boot whose restore failed or did not finish never writes a generation.
import { Adoption } from '../adopt/adoption.js';
import { configIsDocassembles } from '../adopt/record.js';
import { catalogError, errorMessage, RolevisorError } from '../errors.js';
import { scanGenerations, type GenerationScan } from '../generations/scan.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import type { BackupRecord, RuntimeState } from '../status/runtime.js';
import type { Store } from '../store/store.js';
import type { BuiltService } from '../supervisor/build.js';
import type { Child, ChildStatus } from '../supervisor/child.js';
import { candidatesFor, type Candidate, type CandidateList } from './candidates.js';
import { heldStates, stateEngines, type HeldState } from './engines/registry.js';
import { checkNotStale, readLineage, recordRestored } from './lineage.js';
import { lastBackupFile, readLastBackup, slowBackupWarning } from './last-backup.js';
import { clearRestoring, discardUnfinishedRestore, markRestoring } from './restore-marker.js';
import { BackupRunner } from './runner.js';
import { BackupSchedule } from './schedule.js';
import { closeStore, openStoreAtBoot } from './store-check.js';
import type { BackupTarget } from './take-backup.js';
import { ContinuousHost } from './continuous-host.js';
import { ContinuousEngines } from './engines/continuous.js';
import { POSTGRES_KIND } from './engines/postgres/part-names.js';
import { BASE_BACKUP_KIND } from './wal/base-backup.js';
import { PostgresWalEngine } from './wal/engine.js';

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

/** One kind of state on this host and how its restore went at this boot. */
interface Holding extends HeldState {
  state: RestoreState;
  /** An 'after-ready' restore waiting for its service: the generations to try. */
  pending?: Candidate[];
  /** The generation restored from. */
  restored?: string;
  /** Waiting for its service to adopt docassemble's copy of this state (adopt/). */
  adopting?: boolean;
}

/** Time left after the backup at stop for stopping the back services (the databases, the broker). */
export const BACK_STOP_RESERVE_MS = 3000;

export class StateLifecycle {
  readonly store: Store | undefined;
  readonly #options: LifecycleOptions;
  readonly #held: Holding[];
  readonly #targets: BackupTarget[];
  readonly #runner: BackupRunner | undefined;
  readonly #schedule: BackupSchedule | undefined;
  /** The logical dumps on their own schedule (DUMPSCHEDULE), never on the stop path. */
  readonly #dumpSchedule: BackupSchedule | undefined;
  #problem: string | undefined;
  readonly continuous: ContinuousEngines;
  /** Redis snapshots and the app's files, shipped continuously (undefined without a store). */
  readonly shipping: ContinuousHost | undefined;
  readonly wal: PostgresWalEngine | undefined;
  /** A docassemble deployment to adopt: the store holds no generation yet (adopt/). */
  #adoption: Adoption | undefined;
  #keepStoreConfig = false;

  private constructor(options: LifecycleOptions, store: Store | undefined, problem: string | undefined) {
    this.#options = options;
    this.store = store;
    this.#problem = problem;
    const { settings, built, log, state, version } = options;
    this.#held = heldStates(built).map((held) => ({ ...held, state: 'nothing' }));
    const all = this.#held
      .filter((h) => h.engine.backsUp(settings))
      .map((h) => ({ engine: h.engine, ctx: h.built.ctx }));
    const base = all.find((t) => t.engine.kind === BASE_BACKUP_KIND);
    // With a base backup (and the WAL), the dumps leave the generations of the schedule and the stop.
    const dumps = base ? all.filter((t) => t.engine.kind === POSTGRES_KIND) : [];
    this.#targets = all.filter((t) => !dumps.includes(t));
    this.continuous = new ContinuousEngines(log.child({ component: 'continuous' }));
    // Redis snapshots and the app's files join the same engines (flushed after the WAL).
    this.shipping = store && new ContinuousHost({ ...options, store, engines: this.continuous });
    if (store && base) {
      this.wal = new PostgresWalEngine(store, base.ctx, log.child({ component: 'wal' }));
      this.continuous.add(this.wal);
    }
    state.continuous = () => this.continuous.status();
    if (store && dumps.length > 0) {
      const dumpRunner = new BackupRunner({
        store,
        targets: dumps,
        settings,
        state,
        log: log.child({ component: 'dump' }),
        version,
        lastBackupFile: lastBackupFile(settings),
        blocked: () => this.blocked(),
      });
      this.#dumpSchedule = new BackupSchedule(
        settings.dumpSchedule,
        settings.timezone,
        dumpRunner,
        state,
        log.child({ component: 'dump' }),
      );
    }
    if (store && this.#targets.length > 0) {
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
    if (store && lifecycle.#held.length > 0) await lifecycle.#prepareRestore(store);
    try {
      await lifecycle.shipping?.restoreFiles();
    } catch (error) {
      lifecycle.#restoreFailed('the files', error);
    }
    // Before PostgreSQL starts: its first archive_command finds rolevisor listening.
    await lifecycle.wal?.listen();
    if (store) lifecycle.#keepStoreConfig = await configIsDocassembles(store);
    return lifecycle;
  }

  async #prepareRestore(store: Store): Promise<void> {
    const { log, settings } = this.#options;
    let scan: GenerationScan;
    try {
      scan = await scanGenerations(store);
    } catch (error) {
      throw catalogError(
        'RV_STORE_UNREACHABLE',
        'list',
        { store: store.describe(), reason: errorMessage(error) },
        { cause: error },
      );
    }
    // No rolevisor generation at all: a docassemble deployment in the store (or ADOPTFROM) is adopted.
    if (scan.complete.length === 0 && scan.broken.length === 0) {
      this.#adoption = await Adoption.find(settings, store, log);
      await this.#adoption?.seedConfig(store);
      await this.#adoption?.record(store);
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

    for (const held of this.#held) await this.#prepareOne(store, scan, held);
    if (this.#adoption && (settings.roles.includes('web') || settings.roles.includes('celery')))
      await this.#adoption.copyFiles(settings);
  }

  /** Keeps local data (unless it is stale), restores an empty one now, or schedules it for when its service is ready. */
  async #prepareOne(store: Store, scan: GenerationScan, held: Holding): Promise<void> {
    const { log } = this.#options;
    const { engine, built } = held;
    const data = built.ctx.paths.data;
    // One state per service: once its base backup restored (or its data is kept), the dumps have nothing to do.
    if (this.#held.some((h) => h !== held && h.built === built && (h.state === 'restored' || h.state === 'kept'))) {
      held.state = 'kept';
      return;
    }
    // No state of this kind in the store (no base backup yet: format-1 generations of dumps):
    // the next engine of the same service decides.
    const later = this.#held.slice(this.#held.indexOf(held) + 1).some((h) => h.built === built);
    const mine = candidatesFor(scan, engine.kind);
    if (later && mine.usable.length === 0 && mine.skipped.length === 0) return;
    if (engine.restoreAt === 'after-ready') await discardUnfinishedRestore(data, log);
    if (await engine.hasLocalData(built.ctx)) {
      const newest = candidatesFor(scan, engine.kind).usable[0];
      const verdict = checkNotStale(engine.label, data, await readLineage(data), newest);
      held.state = 'kept';
      log.info(
        { dataDir: data },
        `${engine.label} has local data in ${data}: keeping it (nothing is restored over it; ${verdict})`,
      );
      return;
    }
    if (
      engine.service === 'redis' &&
      (await this.#restoreRedisSnapshot(held, candidatesFor(scan, engine.kind).usable[0]))
    )
      return;
    const list = this.#candidates(scan, engine.kind, engine.label);
    const newest = list.usable[0];
    if (!newest) {
      if (this.#adoption?.covers(engine.kind)) await this.#prepareAdoption(held);
      return;
    }
    if (engine.restoreAt === 'after-ready') {
      held.state = 'pending';
      held.pending = list.usable;
      await markRestoring(data, newest.id);
      log.info(
        `${engine.label}'s data directory is empty: it is restored from generation ${newest.id} as soon as it has started, before anything that uses it`,
      );
      return;
    }
    try {
      held.restored = await engine.restore({ store, candidates: list.usable, ctx: built.ctx, log });
      await recordRestored(data, held.restored, { considered: newest.id });
      held.state = 'restored';
    } catch (error) {
      held.state = 'failed';
      if (error instanceof RolevisorError && error.code === 'RV_WAL_GAP') throw error;
      this.#restoreFailed(engine.label, error);
    }
  }

  /**
   * Redis from its newest continuous snapshot when that is newer than the newest generation's
   * part; false to restore from the generation. Every snapshot damaged and no generation: fail closed.
   */
  async #restoreRedisSnapshot(held: Holding, generation: Candidate | undefined): Promise<boolean> {
    const engine = this.shipping?.redis;
    if (!engine) return false;
    const plan = await engine.plan(undefined);
    if (!plan || (generation && generation.summary.time.getTime() > plan.reachable.getTime())) return false;
    try {
      const restored = await engine.restore(undefined);
      if (!restored) return false;
      // Snapshot ids sort with generation ids by time: the stale check compares them alike.
      await recordRestored(held.built.ctx.paths.data, restored.id);
      held.state = 'restored';
      held.restored = restored.id;
      return true;
    } catch (error) {
      if (!generation) {
        held.state = 'failed';
        this.#restoreFailed('Redis', error);
        return true;
      }
      this.#options.log.error(`${errorMessage(error)}; restoring Redis from generation ${generation.id} instead`);
      return false;
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
    if (list.usable.length === 0 && list.skipped.length === 0 && !this.#adoption?.covers(kind))
      log.info(`no generation in the store holds ${service} data: ${service} starts empty`);
    if (list.usable.length === 0 && list.skipped.length > 0)
      this.#restoreFailed(service, catalogError('RV_RESTORE_FAILED', 'allDamaged', { service }));
    return list;
  }

  /** Without ALLOWFRESHSTART the boot stops; with it the service starts empty and nothing is backed up. */
  #restoreFailed(service: string, error: unknown): void {
    const { settings, log } = this.#options;
    if (!settings.allowFreshStart) {
      throw error instanceof RolevisorError
        ? error
        : catalogError('RV_RESTORE_FAILED', 'service', { service, reason: errorMessage(error) }, { cause: error });
    }
    log.error(
      `ALLOWFRESHSTART=true: ${service} starts EMPTY although the store holds backups of it (${errorMessage(error)}); this boot writes no backup, so the generations in the store stay as they are`,
    );
    this.#problem = `the restore of ${service} failed at boot (started empty because ALLOWFRESHSTART=true)`;
  }

  /** For the supervisor: runs once a service is up, before any service that depends on it. */
  readonly afterReady = async (child: Child): Promise<void> => {
    for (const held of this.#held) {
      if (held.engine.service === child.service.kind && held.pending) await this.#restoreNow(held, held.pending);
      if (held.engine.service === child.service.kind && held.adopting) await this.#adoptNow(held);
    }
    // Shipping waits for nothing but a failed restore (another service's restore may still be pending).
    if (this.#problem || this.#held.some((h) => h.state === 'failed')) return;
    await this.continuous.serviceReady(child.service.kind);
    this.shipping?.startRetention();
    const base = this.#targets.find((t) => t.engine.kind === BASE_BACKUP_KIND);
    if (base && base.engine.service === child.service.kind && this.#runner && this.store) {
      const scan = await scanGenerations(this.store).catch(() => undefined);
      // Without a base backup the archived WAL restores nothing: take one now (the first boot on an empty store).
      if (scan && candidatesFor(scan, BASE_BACKUP_KIND).usable.length === 0) {
        this.#options.log.info('the store holds no base backup of this cluster yet: taking one now');
        void this.#runner.run('schedule', { targets: [base] });
      }
    }
  };

  /** docassemble's copy of this state: placed now, or once its service is ready (as a restore would be). */
  async #prepareAdoption(held: Holding): Promise<void> {
    const data = held.built.ctx.paths.data;
    if (held.engine.restoreAt === 'after-ready') {
      held.state = 'pending';
      held.adopting = true;
      await markRestoring(data, 'docassemble');
      this.#options.log.info(
        `${held.engine.label}'s data directory is empty: docassemble's copy is adopted as soon as it has started, before anything that uses it`,
      );
      return;
    }
    await this.#adoptNow(held);
  }

  async #adoptNow(held: Holding): Promise<void> {
    held.adopting = false;
    const { ctx } = held.built;
    try {
      await this.#adoption!.restore(held.engine.kind, ctx);
      await clearRestoring(ctx.paths.data);
      held.state = 'restored';
    } catch (error) {
      held.state = 'failed';
      if (!this.#options.settings.allowFreshStart) throw error; // the marker stays: the next boot adopts again
      await clearRestoring(ctx.paths.data);
      this.#restoreFailed(held.engine.label, error);
    }
  }

  /** The store's config.yml is still docassemble's own object (adopted): it is never rewritten. */
  get keepStoreConfig(): boolean {
    return this.#keepStoreConfig;
  }

  async #restoreNow(held: Holding, candidates: Candidate[]): Promise<void> {
    if (!this.store) return;
    held.pending = undefined;
    const { engine, built } = held;
    const { ctx } = built;
    const { log } = this.#options;
    try {
      const generation = await engine.restore({ store: this.store, candidates, ctx, log });
      await recordRestored(ctx.paths.data, generation, { considered: candidates[0].id });
      await clearRestoring(ctx.paths.data);
      held.state = 'restored';
      held.restored = generation;
      for (const other of this.#held) {
        if (other !== held && other.restored && other.restored !== generation)
          log.warn(
            `${engine.label} was restored from generation ${generation} but ${other.engine.label} from ${other.restored}: each from the newest generation that proved intact for it`,
          );
      }
    } catch (error) {
      held.state = 'failed';
      if (!this.#options.settings.allowFreshStart) throw error; // the marker stays: the next boot restores again
      await clearRestoring(ctx.paths.data);
      this.#restoreFailed(engine.label, error);
    }
  }

  /** Why no backup may be written by this boot, or undefined. */
  blocked(): string | undefined {
    if (this.#problem) return this.#problem;
    for (const { engine, state } of this.#held) {
      if (state === 'pending') return `the restore of ${engine.label} has not finished`;
      if (state === 'failed') return `the restore of ${engine.label} failed`;
    }
    return undefined;
  }

  startSchedule(): void {
    this.#schedule?.start();
    this.#dumpSchedule?.start();
  }

  /** A backup now (the control endpoint's POST /backup). */
  async backup(): Promise<BackupRecord> {
    if (!this.#runner) {
      const kinds = stateEngines()
        .map((e) => `${e.label} of a ${e.service} service`)
        .join(', ');
      const why =
        this.#problem ??
        (this.store
          ? `this host runs no service whose state is backed up (${kinds}), or a setting turned its backups off`
          : 'there is no store');
      throw catalogError('RV_BACKUP_FAILED', 'nothingToBackUp', { why });
    }
    return this.#runner.run('manual');
  }

  /** The supervisor's betweenPhases: the front services are down, the back ones still up. */
  stopPhase(deadline: number, services: () => ChildStatus[]): () => Promise<void> {
    return async () => {
      this.#schedule?.stop();
      this.#dumpSchedule?.stop();
      if (this.#targets.length === 0) {
        // A web host: the last files sync (the app is already stopped).
        await this.continuous.flushAll(deadline - BACK_STOP_RESERVE_MS);
        return;
      }
      const { log } = this.#options;
      const blocked = this.blocked();
      if (blocked) {
        log.warn(`no backup at stop: ${blocked}; the generations in the store stay as they are`);
        await this.#runner?.abortRunning('the container is stopping');
        return;
      }
      if (!this.#runner) return;
      const names = new Set(
        this.#held.filter((h) => h.engine.backsUp(this.#options.settings)).map((h) => h.built.plan.name),
      );
      const notReady = services().filter((s) => names.has(s.name) && s.state !== 'ready');
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
        `sending the tails to the store before stopping the back services (${((backupDeadline - Date.now()) / 1000).toFixed(1)} s available)`,
      );
      // A base backup still running is dropped: the WAL covers everything since the last one.
      await this.#runner.abortRunning('the container is stopping');
      // PostgreSQL's current WAL segment, switched and archived; then the other engines' tails. No dump.
      await this.continuous.flushAll(backupDeadline);
      const continuousServices = new Set(this.continuous.engines.map((e) => e.serviceKind));
      const rest = this.#targets.filter((t) => !continuousServices.has(t.engine.service));
      if (rest.length > 0) await this.#runner.run('stop', { deadline: backupDeadline, targets: rest });
    };
  }

  close(): void {
    this.#schedule?.stop();
    this.#dumpSchedule?.stop();
    void this.continuous.stopAll();
    this.shipping?.close();
    closeStore(this.store);
  }
}
