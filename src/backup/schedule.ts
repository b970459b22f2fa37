// Scheduled backups while running (BACKUPSCHEDULE, a cron expression read in TIMEZONE), so
// a container killed without warning loses at most one interval. croner's `protect` skips a
// tick while the previous backup still runs; the runner joins any other caller.
import { Cron } from 'croner';
import type { Logger } from '../log.js';
import type { RuntimeState } from '../status/runtime.js';
import type { BackupRunner } from './runner.js';

export class BackupSchedule {
  #cron: Cron | undefined;

  constructor(
    private readonly expression: string,
    private readonly timezone: string,
    private readonly runner: BackupRunner,
    private readonly state: RuntimeState,
    private readonly log: Logger,
  ) {}

  start(): void {
    const tick = async () => {
      try {
        await this.runner.run('schedule');
      } finally {
        this.#publishNext();
      }
    };
    // croner given a `timezone` formats every date with Intl.DateTimeFormat, which pages in
    // ~5 MB of ICU's locale data for the process's life; without one it reads local time. So
    // the process's own zone is TIMEZONE (validated by settings/; an unknown one is UTC):
    // nothing else here reads local time (log lines and ids are UTC), children get their
    // environment explicitly.
    process.env.TZ = this.timezone;
    this.#cron = new Cron(this.expression, { protect: true, catch: true }, tick);
    this.#publishNext();
    this.log.info(
      {
        schedule: this.expression,
        timezone: this.timezone,
        next: this.state.nextBackupAt ? new Date(this.state.nextBackupAt).toISOString() : undefined,
      },
      `scheduled backups: "${this.expression}" (${this.timezone})`,
    );
  }

  #publishNext(): void {
    this.state.nextBackupAt = this.#cron?.nextRun()?.getTime();
  }

  stop(): void {
    this.#cron?.stop();
    this.#cron = undefined;
    this.state.nextBackupAt = undefined;
  }
}
