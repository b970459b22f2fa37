// One backup: every state engine of the host streams its parts in parallel straight from
// its program into the store (no temporary files), then the manifest. Any failure, or the
// deadline's abort signal, stops everything and removes what was written: a failed backup
// never becomes a generation, and the previous ones are untouched.
import { catalogError, errorMessage } from '../errors.js';
import { beginGeneration, type GenerationMeta, type GenerationWriter } from '../generations/writer.js';
import type { Manifest } from '../generations/manifest.js';
import type { Logger } from '../log.js';
import type { ServiceContext } from '../services/types.js';
import type { Store } from '../store/store.js';
import type { StateEngine } from './engines/engine.js';

/** One kind of state this host backs up, with its service's context (settings, paths, user). */
export interface BackupTarget {
  engine: StateEngine;
  ctx: ServiceContext;
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

async function backUpOne(
  writer: GenerationWriter,
  target: BackupTarget,
  versions: Record<string, string>,
  options: WriteOptions,
  meta: GenerationMeta,
): Promise<void> {
  const { engine, ctx } = target;
  const output = await engine.backUp({
    ctx,
    addPart: (name, source, partOptions) => writer.part(name, source, { ...partOptions, kind: engine.kind }),
    signal: options.signal,
    log: options.log,
  });
  if (output.version !== undefined) versions[engine.kind] = output.version;
  if (output.wal) meta.wal = output.wal;
}

export async function takeBackup(store: Store, targets: BackupTarget[], options: WriteOptions): Promise<Manifest> {
  const versions: Record<string, string> = { ...(options.versions ?? {}) };
  const meta: GenerationMeta = { roles: options.roles, versions };
  const writer = beginGeneration(store, meta);
  options.log.info(
    { generation: writer.id, store: store.describe(), parts: targets.map((t) => t.engine.partNames) },
    `backup ${writer.id} started`,
  );
  try {
    const tasks = targets.map((target) => backUpOne(writer, target, versions, options, meta));
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
      (e: unknown) => `cleanup failed: ${errorMessage(e)}`,
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
    const reason = options.signal?.aborted ? errorMessage(options.signal.reason) : errorMessage(error);
    throw catalogError('RV_BACKUP_FAILED', 'generation', { id: writer.id, reason }, { cause: error });
  }
}
