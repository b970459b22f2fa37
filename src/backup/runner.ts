// Backups one at a time. A scheduled or manual backup asked for while one runs joins it;
// the backup at stop supersedes a running one (it must see the final state). Each outcome
// is recorded (status, metrics, the local last-backup file); retention follows a success.
// A boot whose restore failed is refused every backup (`blocked`).
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import type { BackupRecord, RuntimeState } from '../status/runtime.js';
import { pruneGenerations } from '../generations/prune.js';
import type { Store } from '../store/store.js';
import { formatBytes } from '../util/progress.js';
import { saveLastBackup } from './last-backup.js';
import { recordBackedUp, recordPending } from './lineage.js';
import { takeBackup, type BackupTarget } from './take-backup.js';
import { pruneWal } from './wal/retention.js';

export type Trigger = BackupRecord['trigger'];

export interface RunnerOptions {
  store: Store;
  targets: BackupTarget[];
  settings: Settings;
  state: RuntimeState;
  log: Logger;
  version: string;
  lastBackupFile: string;
  /** Why backups are refused right now (e.g. the restore failed), or undefined. */
  blocked: () => string | undefined;
}

export interface RunOptions {
  /** Absolute time (ms) by which the backup must be done (the stop deadline). */
  deadline?: number;
  /** Only these (e.g. Redis alone at the stop: PostgreSQL's WAL is continuous). */
  targets?: BackupTarget[];
}

/** Retention at stop runs only if this much time is left. */
const PRUNE_RESERVE_MS = 2000;

export class BackupRunner {
  #current: { trigger: Trigger; promise: Promise<BackupRecord>; abort: AbortController } | undefined;

  constructor(private readonly options: RunnerOptions) {}

  get running(): boolean {
    return this.#current !== undefined;
  }

  async run(trigger: Trigger, runOptions: RunOptions = {}): Promise<BackupRecord> {
    const current = this.#current;
    if (current && trigger !== 'stop') {
      this.options.log.info(`a ${current.trigger} backup is running; the ${trigger} backup joins it`);
      return current.promise;
    }
    if (current) {
      this.options.log.warn(`stopping the running ${current.trigger} backup: the backup at stop replaces it`);
      current.abort.abort(new Error('superseded by the backup at stop'));
      await current.promise.catch(() => undefined);
    }
    const abort = new AbortController();
    const promise = this.#runOne(trigger, abort, runOptions).finally(() => {
      if (this.#current?.promise === promise) this.#current = undefined;
    });
    this.#current = { trigger, promise, abort };
    return promise;
  }

  /** Stops a running backup (e.g. the container is going away before its stop backup). */
  async abortRunning(reason: string): Promise<void> {
    const current = this.#current;
    if (!current) return;
    current.abort.abort(new Error(reason));
    await current.promise.catch(() => undefined);
  }

  async #runOne(trigger: Trigger, abort: AbortController, runOptions: RunOptions): Promise<BackupRecord> {
    const { log, settings } = this.options;
    const startedAt = Date.now();
    const blocked = this.options.blocked();
    if (blocked) {
      log.error(`backup (${trigger}) refused: ${blocked}`);
      return this.#record(
        { trigger, startedAt, durationMs: 0, bytes: 0, ok: false, error: `refused: ${blocked}` },
        false,
      );
    }
    let timer: NodeJS.Timeout | undefined;
    if (runOptions.deadline !== undefined) {
      const left = runOptions.deadline - Date.now();
      timer = setTimeout(
        () =>
          abort.abort(
            new Error(
              `the backup did not finish within the stop deadline (STOPTIMEOUT=${settings.stopTimeoutSec} s) and was abandoned; raise STOPTIMEOUT and the orchestrator's grace period (ECS stopTimeout, at most 120 s on Fargate; docker stop -t)`,
            ),
          ),
        Math.max(0, left),
      );
    }
    try {
      const manifest = await takeBackup(this.options.store, runOptions.targets ?? this.options.targets, {
        roles: settings.roles,
        versions: { rolevisor: this.options.version },
        signal: abort.signal,
        log,
        beforeCommit: (id) => this.#eachDataDir((dir) => recordPending(dir, id)),
      });
      // The generation is committed; a failed note of it only makes the next boot less sure.
      await this.#eachDataDir((dir) => recordBackedUp(dir, manifest.id)).catch((error: unknown) =>
        log.warn(`could not note generation ${manifest.id} beside the data directories: ${(error as Error).message}`),
      );
      const bytes = manifest.parts.reduce((sum, p) => sum + p.size, 0);
      const durationMs = Date.now() - startedAt;
      log.info(
        { generation: manifest.id, trigger, bytes, durationMs, parts: manifest.parts.length },
        `backup ${manifest.id} committed (${trigger}): ${manifest.parts.length} part(s), ${formatBytes(bytes)} in ${(durationMs / 1000).toFixed(1)} s`,
      );
      const record = await this.#record(
        { trigger, startedAt, durationMs, bytes, ok: true, generation: manifest.id },
        true,
      );
      await this.#prune(runOptions.deadline);
      return record;
    } catch (error) {
      const message = errorMessage(error);
      log.error({ trigger, durationMs: Date.now() - startedAt }, `BACKUP FAILED (${trigger}): ${message}`);
      return this.#record(
        { trigger, startedAt, durationMs: Date.now() - startedAt, bytes: 0, ok: false, error: message },
        true,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async #eachDataDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
    const dirs = new Set(this.options.targets.map((t) => t.ctx.paths.data));
    for (const dir of dirs) await fn(dir);
  }

  async #record(record: BackupRecord, persist: boolean): Promise<BackupRecord> {
    this.options.state.recordBackup(record);
    if (persist) {
      await saveLastBackup(this.options.lastBackupFile, record).catch((error: unknown) =>
        this.options.log.warn(`could not write ${this.options.lastBackupFile}: ${(error as Error).message}`),
      );
    }
    return record;
  }

  async #prune(deadline: number | undefined): Promise<void> {
    const { log, settings, store, state } = this.options;
    if (deadline !== undefined && deadline - Date.now() < PRUNE_RESERVE_MS) {
      log.info('no time left before the stop deadline for retention; the next backup prunes');
      return;
    }
    try {
      const result = await pruneGenerations(store, { keep: settings.backupKeep, maxAgeDays: settings.backupDays });
      await pruneWal(store, log);
      for (const deleted of result.deleted)
        log.info(
          { generation: deleted.id, reason: deleted.reason },
          `retention deleted generation ${deleted.id}: ${deleted.reason}`,
        );
      log.info(
        { kept: result.kept, deleted: result.deleted.length },
        `retention: the newest ${result.kept.length} verified generation(s) are kept (BACKUPKEEP=${settings.backupKeep}, DABACKUPDAYS=${settings.backupDays})`,
      );
    } catch (error) {
      state.storeErrors++;
      log.warn(`retention failed (the generations stay as they are): ${(error as Error).message}`);
    }
  }
}
