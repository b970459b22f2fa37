// One backup: every part streams in parallel straight from its program into the store
// (PostgreSQL dumps and the Redis snapshot, no temporary files), then the manifest. Any
// failure, or the deadline's abort signal, stops everything and removes what was written:
// a failed backup never becomes a generation, and the previous ones are untouched.
import { RolevisorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServiceContext } from '../services/types.js';
import { beginGeneration, type GenerationWriter } from '../generations/writer.js';
import type { Manifest } from '../generations/manifest.js';
import type { Store } from '../store/store.js';
import { formatBytes } from '../util/progress.js';
import { POSTGRES_KIND, postgresPartName, REDIS_KIND, REDIS_PART } from './part-names.js';
import { dumpDatabase, postgresInventory, type DatabaseInfo } from './postgres-dump.js';
import { snapshotRedis } from './redis-snapshot.js';

/** The services this host backs up (their contexts: settings, paths, user). */
export interface BackupTargets {
  postgres?: ServiceContext;
  redis?: ServiceContext;
}

export interface WriteOptions {
  roles: string[];
  /** Extra versions for the manifest (rolevisor's own). */
  versions?: Record<string, string>;
  signal?: AbortSignal;
  log: Logger;
  /** How long an abort may spend deleting what was written (the rest is pruned later). */
  abortTimeoutMs?: number;
  /** Runs when every part is stored, just before the manifest is written. */
  beforeCommit?: (generation: string) => Promise<void>;
}

/** Databases dumped at the same time (each dump runs its own zstd on every core). */
const DATABASE_CONCURRENCY = 2;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

async function backUpPostgres(
  writer: GenerationWriter,
  ctx: ServiceContext,
  versions: Record<string, string>,
  options: WriteOptions,
): Promise<void> {
  const inventory = await postgresInventory(ctx);
  versions.postgres = inventory.version;
  options.log.info(
    { databases: inventory.databases.map((d) => d.name) },
    `dumping ${inventory.databases.length} PostgreSQL database(s)`,
  );
  await eachLimited(inventory.databases, DATABASE_CONCURRENCY, async (db: DatabaseInfo) => {
    const started = Date.now();
    const dump = await dumpDatabase(ctx, db.name, { signal: options.signal, log: options.log });
    const part = await writer.part(postgresPartName(db.name), dump.output!, {
      kind: POSTGRES_KIND,
      compression: 'zstd',
      expectedSize: Math.max(db.size, 1),
    });
    options.log.info(
      { phase: 'postgres', database: db.name, part: part.name, bytes: part.size, durationMs: Date.now() - started },
      `dumped database "${db.name}": ${formatBytes(part.size)} stored in ${seconds(Date.now() - started)}`,
    );
  });
}

async function backUpRedis(
  writer: GenerationWriter,
  ctx: ServiceContext,
  versions: Record<string, string>,
  options: WriteOptions,
): Promise<void> {
  const started = Date.now();
  const snapshot = await snapshotRedis(ctx, { signal: options.signal });
  versions.redis = snapshot.version;
  const savedMs = Date.now() - started;
  options.log.info(
    { phase: 'redis-bgsave', durationMs: savedMs, rdbBytes: snapshot.size },
    `Redis BGSAVE done in ${seconds(savedMs)} (${formatBytes(snapshot.size)})`,
  );
  const part = await writer.part(REDIS_PART, snapshot.pipeline.output!, {
    kind: REDIS_KIND,
    compression: 'zstd',
    expectedSize: Math.max(snapshot.size, 1),
  });
  options.log.info(
    { phase: 'redis', part: part.name, bytes: part.size, durationMs: Date.now() - started },
    `stored the Redis snapshot: ${formatBytes(part.size)} in ${seconds(Date.now() - started)}`,
  );
}

export async function writeGeneration(store: Store, targets: BackupTargets, options: WriteOptions): Promise<Manifest> {
  const versions: Record<string, string> = { ...(options.versions ?? {}) };
  const writer = beginGeneration(store, { roles: options.roles, versions });
  options.log.info({ generation: writer.id, store: store.describe() }, `backup ${writer.id} started`);
  try {
    const tasks: Promise<void>[] = [];
    if (targets.postgres) tasks.push(backUpPostgres(writer, targets.postgres, versions, options));
    if (targets.redis) tasks.push(backUpRedis(writer, targets.redis, versions, options));
    // The first failure fails the backup at once; the abort below stops the other parts.
    await Promise.all(tasks);
    options.signal?.throwIfAborted();
    await options.beforeCommit?.(writer.id);
    // `versions` is the writer's own meta object: the versions learned above go into the manifest.
    return await writer.commit();
  } catch (error) {
    const abortStarted = Date.now();
    const cleanup = writer.abort().then(
      (n) => `removed ${n} object(s)`,
      (e: unknown) => `cleanup failed: ${message(e)}`,
    );
    const timeout = new Promise<string>((resolve) =>
      setTimeout(
        () => resolve('cleanup still running; a later prune removes the rest'),
        options.abortTimeoutMs ?? 10_000,
      ).unref(),
    );
    const outcome = await Promise.race([cleanup, timeout]);
    options.log.warn(
      { generation: writer.id, cleanupMs: Date.now() - abortStarted },
      `backup ${writer.id} abandoned (${outcome}); no manifest was written, the previous generations are untouched`,
    );
    const reason = options.signal?.aborted ? message(options.signal.reason) : message(error);
    throw new RolevisorError(
      'RV_BACKUP_FAILED',
      reason.startsWith('generation ') ? reason : `generation ${writer.id}: ${reason}`,
      { cause: error },
    );
  }
}
