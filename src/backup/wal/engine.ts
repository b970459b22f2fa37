// PostgreSQL's continuous engine: the WAL archiver (listening before PostgreSQL starts, so
// no segment waits), a watch on the local backlog (WAL piles up when the store is slow or
// unreachable: warn, with how much), and the stop's flush: switch the current segment and
// wait until PostgreSQL reports it archived, i.e. in the store.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import { WAL_START_FILE, walSocketPath } from '../../services/postgres/service.js';
import { ensureServiceDir } from '../../services/shared/backend-dirs.js';
import type { ServiceContext } from '../../services/types.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import type { ContinuousEngine, ShippingStatus } from '../engines/continuous.js';
import { withAdminClient } from '../engines/postgres/dump.js';
import { WalArchiver, walBacklog, type Backlog } from './archiver.js';
import { segmentName, segnoOfLsn, parseLsn, walStartPast } from './names.js';
import { listWal } from './restore-base.js';
import { clusterMajor } from '../../services/postgres/binaries.js';

/** Warn when this much WAL waits locally for the store. */
export const BACKLOG_WARN_BYTES = 256 * 1024 * 1024;
const WATCH_MS = 5000;
const WARN_EVERY_MS = 60_000;
const POLL_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PostgresWalEngine implements ContinuousEngine {
  readonly engine = 'postgres-wal';
  readonly serviceKind = 'postgres';
  readonly stopOrder = 0;
  readonly archiver: WalArchiver;
  backlog: Backlog = { files: 0, bytes: 0, oldestSeconds: 0 };
  #timer: NodeJS.Timeout | undefined;
  #lastWarn = 0;
  /** The postmaster whose checkpointer a CHECKPOINT woke (see wakeCheckpointer). */
  #wokenPid: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly ctx: ServiceContext,
    private readonly log: Logger,
  ) {
    this.archiver = new WalArchiver(store, ctx.paths.data, log);
  }

  /** Before PostgreSQL starts: its first archive_command call finds rolevisor listening. */
  async listen(): Promise<void> {
    await ensureServiceDir(this.ctx.paths.run, 0o755, this.ctx.identity);
    const path = await this.archiver.listen(this.ctx.paths.run, this.ctx.identity);
    if (path !== walSocketPath(this.ctx.paths))
      throw new Error(`WAL socket at ${path}, expected ${walSocketPath(this.ctx.paths)}`);
  }

  /**
   * Before PostgreSQL's prepare: where a cluster made now (initdb: a fresh start, a restore
   * from a logical dump, an adoption) must start its WAL, past every name the store holds
   * from an earlier cluster; otherwise its segments would collide with those names and the
   * archiver would refuse them (docs/storage.md).
   */
  async beforeStart(): Promise<void> {
    await this.listen();
    const file = join(this.ctx.paths.run, WAL_START_FILE);
    // A cluster already there (kept, or restored from a base backup) keeps its WAL: no listing.
    const start = clusterMajor(this.ctx.paths.data) === undefined ? walStartPast(await listWal(this.store)) : undefined;
    if (start) await writeFile(file, `${start}\n`, { mode: 0o644 });
    else await rm(file, { force: true });
  }

  async start(): Promise<void> {
    await this.wakeCheckpointer();
    await this.watch();
    this.#timer = setInterval(() => void this.watch(), WATCH_MS);
    this.#timer.unref();
  }

  /**
   * archive_timeout is kept by PostgreSQL's checkpointer, which computes its sleep without it
   * while the startup process has not finished; a checkpointer that fell asleep then sleeps
   * until checkpoint_timeout (5 min), switching no segment meanwhile (seen on restored hosts:
   * minutes of commits not archived). A CHECKPOINT wakes it; just after a start it writes
   * next to nothing.
   */
  async wakeCheckpointer(): Promise<void> {
    const pid = await this.postmasterPid();
    try {
      await withAdminClient(this.ctx, (client) => client.query('CHECKPOINT'));
      this.#wokenPid = pid;
    } catch (error) {
      this.log.warn(
        `could not wake PostgreSQL's checkpointer (CHECKPOINT failed: ${error instanceof Error ? error.message : String(error)}); segments may be switched only every checkpoint_timeout until the next checkpoint`,
      );
    }
  }

  /** The running postmaster's pid (postmaster.pid's first line): a new one is a restart, whose checkpointer sleeps again. */
  private async postmasterPid(): Promise<string | undefined> {
    const text = await readFile(join(this.ctx.paths.data, 'postmaster.pid'), 'utf8').catch(() => undefined);
    return text?.split('\n', 1)[0];
  }

  async watch(): Promise<Backlog> {
    // PostgreSQL restarted under the supervisor (a crash, a changed setting): wake its new checkpointer too.
    if (this.#wokenPid !== undefined) {
      const pid = await this.postmasterPid();
      if (pid !== undefined && pid !== this.#wokenPid) await this.wakeCheckpointer();
    }
    this.backlog = await walBacklog(this.ctx.paths.data);
    if (this.backlog.bytes >= BACKLOG_WARN_BYTES && Date.now() - this.#lastWarn > WARN_EVERY_MS) {
      this.#lastWarn = Date.now();
      this.log.warn(
        { walBacklogBytes: this.backlog.bytes, walBacklogFiles: this.backlog.files },
        `${formatBytes(this.backlog.bytes)} of WAL (${this.backlog.files} segments, the oldest ${Math.round(this.backlog.oldestSeconds)} s old) wait on the local disk for the store${this.archiver.stats.error ? ` (${this.archiver.stats.error})` : ''}; PostgreSQL keeps it until it is archived, and stops if the disk fills (docs/operations.md)`,
      );
    }
    return this.backlog;
  }

  /** Switches the current segment and waits until PostgreSQL has had it archived. */
  async flush(deadline: number): Promise<void> {
    const started = Date.now();
    const target = await withAdminClient(this.ctx, async (client) => {
      const switched = (await client.query<{ lsn: string }>('SELECT pg_switch_wal()::text AS lsn')).rows[0].lsn;
      const timeline = (await client.query<{ tli: number }>('SELECT timeline_id AS tli FROM pg_control_checkpoint()'))
        .rows[0].tli;
      // pg_switch_wal returns the end of the segment it closed + 1 (or the current position when nothing was written).
      return segmentName(timeline, segnoOfLsn(Math.max(0, parseLsn(switched) - 1)));
    });
    for (;;) {
      const last = await withAdminClient(this.ctx, async (client) => {
        const row = (
          await client.query<{ wal: string | null }>('SELECT last_archived_wal AS wal FROM pg_stat_archiver')
        ).rows[0];
        return row?.wal ?? '';
      });
      // Same timeline: names sort as positions. A newer timeline than the target also means done.
      if (last.slice(0, 24) >= target) break;
      if (Date.now() + POLL_MS > deadline) {
        throw new Error(
          `${target} was not archived within ${((deadline - started) / 1000).toFixed(1)} s (last archived: ${last || 'none'}${this.archiver.stats.error ? `; ${this.archiver.stats.error}` : ''}); it stays in pg_wal and is archived at the next start on this disk`,
        );
      }
      await sleep(POLL_MS);
    }
    this.log.info({ wal: target, durationMs: Date.now() - started }, `the last WAL segment ${target} is in the store`);
  }

  /**
   * After the other engines' tails (the front is down, nothing else writes): one commit and
   * its segment archived, so the restored cluster's last transaction is later than the last
   * Redis snapshot and files index: the host's point in time (docs/storage.md) keeps them.
   */
  async seal(deadline: number): Promise<void> {
    await withAdminClient(this.ctx, (client) => client.query('SELECT txid_current()'));
    await this.flush(deadline);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.archiver.close();
  }

  status(): ShippingStatus {
    const { stats } = this.archiver;
    return {
      engine: this.engine,
      lagSeconds: this.backlog.oldestSeconds,
      lagBytes: this.backlog.bytes,
      lastShipped: stats.lastArchived,
      error: stats.error,
    };
  }
}
