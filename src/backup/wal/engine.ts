// PostgreSQL's continuous engine: the WAL archiver (listening before PostgreSQL starts, so
// no segment waits), a watch on the local backlog (WAL piles up when the store is slow or
// unreachable: warn, with how much), and the stop's flush: switch the current segment and
// wait until PostgreSQL reports it archived, i.e. in the store.
import type { Logger } from '../../log.js';
import { walSocketPath } from '../../services/postgres/service.js';
import { ensureServiceDir } from '../../services/shared/backend-dirs.js';
import type { ServiceContext } from '../../services/types.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import type { ContinuousEngine, ShippingStatus } from '../engines/continuous.js';
import { withAdminClient } from '../engines/postgres/dump.js';
import { WalArchiver, walBacklog, type Backlog } from './archiver.js';
import { segmentName, segnoOfLsn, parseLsn } from './names.js';

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

  constructor(
    store: Store,
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

  async start(): Promise<void> {
    // PostgreSQL 15's checkpointer starts while the startup process runs and then sleeps for
    // checkpoint_timeout (5 min) without honouring archive_timeout until a checkpoint request
    // wakes it: measured after a restart, 40 s of commits and no segment switch (the loss bound
    // broken). A CHECKPOINT once PostgreSQL is up arms archive_timeout at once.
    await withAdminClient(this.ctx, (client) => client.query('CHECKPOINT')).catch((error: unknown) =>
      this.log.warn(
        `CHECKPOINT after the start failed (${error instanceof Error ? error.message : String(error)}); archive_timeout may not switch WAL segments until the first checkpoint`,
      ),
    );
    await this.watch();
    this.#timer = setInterval(() => void this.watch(), WATCH_MS);
    this.#timer.unref();
  }

  async watch(): Promise<Backlog> {
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
