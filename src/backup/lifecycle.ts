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
import { restoredState, stateTimeOf, type StateEngine } from './engines/engine.js';
import { earlier } from './engines/continuous.js';
import { verifyGeneration } from '../generations/read.js';
import { checkNotStale, readLineage, recordRestored } from './lineage.js';
import { lastBackupFile, readLastBackup, slowBackupWarning } from './last-backup.js';
import { clearRestoring, discardUnfinishedRestore, markRestoring } from './restore-marker.js';
import { BackupRunner } from './runner.js';
import { BackupSchedule } from './schedule.js';
import { closeStore, openStoreAtBoot } from './store-check.js';
import type { BackupTarget } from './take-backup.js';
import { ContinuousHost } from './continuous-host.js';
import { ContinuousEngines } from './engines/continuous.js';

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
  /** Why this host cannot restore this engine's candidates (another major version): a later engine of its service does. */
  refused?: string;
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
  /** The host's one point in time at this boot's restore: every state comes back as of it or before. */
  #target: { time: Date; from: string } | undefined;
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
    // An engine that yields to another one backing up here leaves the scheduled and stop generations (the dumps beside base backups).
    const dumps = all.filter((t) => t.engine.yieldsTo && all.some((o) => o.engine.kind === t.engine.yieldsTo));
    this.#targets = all.filter((t) => !dumps.includes(t));
    this.continuous = new ContinuousEngines(log.child({ component: 'continuous' }));
    // PostgreSQL's WAL, Redis snapshots and the app's files: the host's continuous engines.
    this.shipping =
      store && new ContinuousHost({ ...options, store, engines: this.continuous, backedUp: all.map((t) => t.engine) });
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
      await lifecycle.shipping?.restoreOwn(lifecycle.#target?.time);
    } catch (error) {
      lifecycle.#restoreFailed('the files', error);
    }
    // Before their services start (PostgreSQL's first archive_command finds rolevisor listening).
    for (const engine of lifecycle.continuous.engines) await engine.beforeStart?.();
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

    // One point in time for the host: the engines whose state sets it restore first; the others
    // then restore their newest state at or before the moment it reached (docs/storage.md).
    const order = [...this.#held.filter((h) => h.engine.setsTime), ...this.#held.filter((h) => !h.engine.setsTime)];
    for (const held of order) await this.#prepareOne(store, scan, held);
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
    // No state of this kind in the store (no base backup yet: format-1 generations of dumps), or
    // none this host can restore (another major version): the next engine of the same service decides.
    const later = this.#held.slice(this.#held.indexOf(held) + 1).find((h) => h.built === built);
    const mine = candidatesFor(scan, engine.kind);
    if (later && mine.usable.length === 0 && mine.skipped.length === 0) return;
    const refusal = mine.usable[0] && engine.cannotRestore?.(mine.usable[0]);
    if (refusal && later && !(await engine.hasLocalData(built.ctx))) {
      later.refused = refusal;
      return;
    }
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
    const target = this.#target?.time;
    const all = this.#candidates(scan, engine.kind, engine.label);
    const list = target
      ? all.usable.filter((c) => stateTimeOf(engine, c).getTime() <= target.getTime())
      : all.usable.filter((c) => !engine.cannotRestore?.(c));
    if (await this.#restoreStandIn(held, list[0])) return;
    const newest = list[0];
    if (!newest) {
      if (held.refused) {
        this.#restoreFailed(
          engine.label,
          catalogError('RV_RESTORE_FAILED', 'noOtherForm', {
            because: held.refused,
            what: engine.what ?? 'generation',
            service: engine.label,
          }),
        );
        return;
      }
      const own = all.usable[0] && engine.cannotRestore?.(all.usable[0]);
      if (own) this.#restoreFailed(engine.label, catalogError('RV_RESTORE_FAILED', 'engineRefuses', { reason: own }));
      else if (target && all.usable.length > 0)
        this.#restoreFailed(
          engine.label,
          catalogError('RV_RESTORE_FAILED', 'nothingAtHostTime', {
            what: engine.label,
            time: target,
            from: this.#target?.from,
          }),
        );
      else if (this.#adoption?.covers(engine.kind)) await this.#prepareAdoption(held);
      return;
    }
    if (engine.restoreAt === 'after-ready') {
      // Its bytes are read only once its service runs, after the others restored: a state
      // that sets the host's time is proved first, so a damaged one cannot leave the others newer.
      const pending = engine.setsTime ? await this.#proveFirst(store, engine, list) : list;
      if (pending.length === 0) return;
      held.state = 'pending';
      held.pending = pending;
      await markRestoring(data, pending[0].id);
      if (engine.setsTime) this.#narrow(engine, pending[0].id, stateTimeOf(engine, pending[0]));
      this.#warnRefused(held, pending[0]);
      log.info(
        { engine: engine.kind, generation: pending[0].id },
        `${engine.label}'s data directory is empty: it is restored from generation ${pending[0].id} (its state as of ${stateTimeOf(engine, pending[0]).toISOString()}) as soon as it has started, before anything that uses it`,
      );
      return;
    }
    try {
      const result = await engine.restore({ store, candidates: list, ctx: built.ctx, log, targetTime: target });
      const { generation, reached } = restoredState(result, list, engine);
      held.restored = generation;
      await recordRestored(data, generation, { considered: newest.id });
      held.state = 'restored';
      if (engine.setsTime && reached) this.#narrow(engine, generation, reached);
      this.#warnRefused(
        held,
        list.find((c) => c.id === generation),
      );
      log.info(
        { engine: engine.kind, generation, reached: reached?.toISOString() },
        `${engine.label}: restored from generation ${generation}${reached ? `, its state as of ${reached.toISOString()}` : ''}`,
      );
    } catch (error) {
      held.state = 'failed';
      if (error instanceof RolevisorError && error.code === 'RV_WAL_GAP') throw error;
      this.#restoreFailed(engine.label, error);
    }
  }

  /** The host's point in time moves to `reached` when that is earlier (one line in the log). */
  #narrow(engine: StateEngine, generation: string, reached: Date): void {
    const before = this.#target?.time;
    const time = earlier(before, reached);
    if (!time || time === before) return;
    this.#target = { time, from: `${engine.label} from generation ${generation}` };
    this.#options.log.info(
      { targetTime: time.toISOString(), engine: engine.kind, generation },
      `the host's point in time is ${time.toISOString()} (${engine.label}'s state after its restore from generation ${generation}): every other state comes back as of then or before`,
    );
  }

  /** A restore from a fallback engine because the first one's candidates cannot restore here: one plain warning with the time. */
  #warnRefused(held: Holding, used: Candidate | undefined): void {
    if (!held.refused || !used) return;
    const { engine } = held;
    this.#options.log.warn(
      { engine: engine.kind, generation: used.id },
      `${held.refused}: restoring ${engine.label} from the newest ${engine.what ?? 'generation'} instead (generation ${used.id}), which brings back its state as of ${stateTimeOf(engine, used).toISOString()}; later changes are not restored`,
    );
  }

  /** Reads the candidates' parts in full, newest first, until one proves intact; that one and the older ones. */
  async #proveFirst(store: Store, engine: StateEngine, list: Candidate[]): Promise<Candidate[]> {
    const { log } = this.#options;
    for (const [index, candidate] of list.entries()) {
      const result = await verifyGeneration(store, { ...candidate.summary.manifest, parts: candidate.parts });
      if (result.ok) return list.slice(index);
      log.error(
        { generation: candidate.id },
        `${engine.label.toUpperCase()} IN GENERATION ${candidate.id} IS DAMAGED: ${result.problems.join('; ')}; ${list[index + 1] ? `falling back to generation ${list[index + 1].id}, and the host's other state with it` : 'no older generation is left'}`,
      );
    }
    this.#restoreFailed(engine.label, catalogError('RV_RESTORE_FAILED', 'allDamaged', { service: engine.label }));
    return [];
  }

  /**
   * A continuous engine standing in for this state (Redis snapshots) restores it when its newest
   * verified state at or before the host's time is at least as new as the newest generation's
   * part; false to restore from the generation. Every snapshot damaged and no generation: fail closed.
   */
  async #restoreStandIn(held: Holding, generation: Candidate | undefined): Promise<boolean> {
    const engine = this.shipping?.standIn(held.engine.kind);
    if (!engine) return false;
    const target = this.#target?.time;
    const plan = await engine.plan(target);
    if (!plan || (generation && stateTimeOf(held.engine, generation).getTime() > plan.reachable.getTime()))
      return false;
    try {
      const restored = await engine.restore(target);
      if (!restored) return false;
      // Snapshot ids sort with generation ids by time: the stale check compares them alike.
      await recordRestored(held.built.ctx.paths.data, restored.id);
      held.state = 'restored';
      held.restored = restored.id;
      this.#options.log.info(
        { engine: engine.engine, id: restored.id, time: restored.time.toISOString() },
        `${held.engine.label}: restored from its continuous state ${restored.id}, as of ${restored.time.toISOString()}${target ? ` (the newest at or before the host's point in time ${target.toISOString()})` : ''}`,
      );
      return true;
    } catch (error) {
      if (!generation) {
        held.state = 'failed';
        this.#restoreFailed(held.engine.label, error);
        return true;
      }
      this.#options.log.error(
        `${errorMessage(error)}; restoring ${held.engine.label} from generation ${generation.id} instead`,
      );
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
    const first = this.#targets.find((t) => t.engine.backUpAtFirstBoot && t.engine.service === child.service.kind);
    if (first && this.#runner && this.store) {
      const scan = await scanGenerations(this.store).catch(() => undefined);
      // Without a base backup the archived WAL restores nothing: take one now (the first boot on an empty store).
      // Restored from a fallback (another major version's base backups): this cluster has none of its own yet.
      const fellBack = this.#held.some((h) => h.built.ctx === first.ctx && h.refused && h.state === 'restored');
      if (scan && (fellBack || candidatesFor(scan, first.engine.kind).usable.length === 0)) {
        this.#options.log.info(
          `the store holds no ${first.engine.what ?? 'generation'} of ${first.engine.label}${fellBack ? ' that this host can restore' : ''} yet: taking one now`,
        );
        void this.#runner.run('schedule', { targets: [first] });
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
      const { generation } = restoredState(
        await engine.restore({ store: this.store, candidates, ctx, log, targetTime: this.#target?.time }),
        candidates,
        engine,
      );
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
