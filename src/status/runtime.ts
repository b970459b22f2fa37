// What the running instance knows about itself, shared by the status server, the metrics
// and `rolevisor status`: the phase, the services, the store and the backups.
import type { ChildStatus } from '../supervisor/child.js';
import type { ShippingStatus } from '../backup/engines/continuous.js';

export type Phase = 'booting' | 'running' | 'stopping' | 'stopped';

export interface BackupRecord {
  /** 'store': written before this container existed, known from the newest manifest. */
  trigger: 'schedule' | 'stop' | 'manual' | 'store';
  startedAt: number;
  durationMs: number;
  bytes: number;
  ok: boolean;
  generation?: string;
  error?: string;
}

export interface StatusSnapshot {
  pid: number;
  version: string;
  roles: string[];
  phase: Phase;
  startedAt: number;
  ready: boolean;
  /** What the boot waits for (the store, the restore, the backend), while it waits. */
  waitingFor: string | undefined;
  store: string;
  services: ChildStatus[];
  lastBackup: BackupRecord | undefined;
  nextBackupAt: number | undefined;
  backupFailures: number;
  storeErrors: number;
  /** What each continuous engine has not yet put in the store (PostgreSQL's WAL, ...). */
  continuous: ShippingStatus[];
}

export class RuntimeState {
  phase: Phase = 'booting';
  waitingFor: string | undefined;
  readonly startedAt = Date.now();
  lastBackup: BackupRecord | undefined;
  nextBackupAt: number | undefined;
  backupFailures = 0;
  storeErrors = 0;
  services: () => ChildStatus[] = () => [];
  allReady: () => boolean = () => false;
  continuous: () => ShippingStatus[] = () => [];

  constructor(
    readonly roles: string[],
    readonly store: string,
    readonly version: string,
  ) {}

  recordBackup(record: BackupRecord): void {
    this.lastBackup = record;
    if (!record.ok) this.backupFailures++;
  }

  ready(): boolean {
    return this.phase === 'running' && this.allReady();
  }

  snapshot(): StatusSnapshot {
    return {
      pid: process.pid,
      version: this.version,
      roles: this.roles,
      phase: this.phase,
      startedAt: this.startedAt,
      ready: this.ready(),
      waitingFor: this.phase === 'booting' ? this.waitingFor : undefined,
      store: this.store,
      services: this.services(),
      lastBackup: this.lastBackup,
      nextBackupAt: this.nextBackupAt,
      backupFailures: this.backupFailures,
      storeErrors: this.storeErrors,
      continuous: this.continuous(),
    };
  }
}
