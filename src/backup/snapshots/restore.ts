// Restoring Redis from its continuous snapshots: the newest snapshot at or before the target
// time whose bytes prove right (size and sha256 from its record, checked as they stream in)
// becomes dump.rdb before Redis starts. A damaged one is reported loudly and the one before
// it is tried. The RDB reaches the name Redis loads only once every byte proved right.
import { createWriteStream } from 'node:fs';
import { chown, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { catalogError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ensureServiceDir } from '../../services/shared/backend-dirs.js';
import type { ServiceContext } from '../../services/types.js';
import { verifyingStream } from '../../generations/digest.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import { startPipeline } from '../pipeline.js';
import { RDB_FILE } from '../engines/redis/snapshot.js';
import { ZSTD, ZSTD_DECOMPRESS_ARGS, zstdEnv } from '../zstd.js';
import {
  listSnapshots,
  readSnapshotRecord,
  snapshotDataKey,
  type ListedSnapshot,
  type SnapshotRecord,
} from './layout.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Complete snapshots at or before `target` (all when undefined), newest first. */
export async function snapshotsAtOrBefore(store: Store, target?: Date): Promise<ListedSnapshot[]> {
  const { complete } = await listSnapshots(store);
  return target ? complete.filter((s) => s.time.getTime() <= target.getTime()) : complete;
}

/** Streams one snapshot into <data>/dump.rdb; throws (leaving nothing) if it is damaged. */
export async function placeSnapshot(
  store: Store,
  id: string,
  ctx: Pick<ServiceContext, 'paths' | 'identity'>,
): Promise<SnapshotRecord> {
  const record = await readSnapshotRecord(store, id);
  await ensureServiceDir(ctx.paths.data, 0o700, ctx.identity);
  const target = join(ctx.paths.data, RDB_FILE);
  const temp = `${target}.rv-restore`;
  const source = await store.get(snapshotDataKey(id));
  const verifier = verifyingStream(
    record,
    (actual) =>
      new Error(
        actual.size !== record.size
          ? `size mismatch: read ${actual.size} bytes, its record says ${record.size}`
          : `sha256 mismatch: read ${actual.sha256}, its record says ${record.sha256}`,
      ),
  );
  try {
    const unzstd = startPipeline(
      [{ name: 'zstd -d of the Redis snapshot', file: ZSTD, args: ZSTD_DECOMPRESS_ARGS, env: zstdEnv(), cwd: '/' }],
      { input: source.pipe(verifier) },
    );
    source.on('error', (error: Error) => verifier.destroy(error));
    await pipeline(unzstd.output!, createWriteStream(temp, { mode: 0o600 }));
    await unzstd.done;
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
      const size = (await handle.stat()).size;
      if (size !== record.rdbBytes)
        throw new Error(`it decompressed to ${size} bytes, its record says ${record.rdbBytes}`);
      if (ctx.identity) await chown(temp, ctx.identity.uid, ctx.identity.gid);
      await rename(temp, target);
    } finally {
      await handle.close();
    }
    return record;
  } catch (error) {
    source.destroy();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

export interface RestoredSnapshot {
  id: string;
  time: Date;
  rdbBytes: number;
  /** Snapshots skipped because they were damaged. */
  damaged: string[];
}

/**
 * Places the newest verified snapshot at or before `target` (the newest of all when
 * undefined). Undefined when the store holds none that early; RV_RESTORE_FAILED when every
 * candidate is damaged.
 */
export async function restoreRedisSnapshot(
  store: Store,
  ctx: Pick<ServiceContext, 'paths' | 'identity'>,
  log: Logger,
  target?: Date,
): Promise<RestoredSnapshot | undefined> {
  const candidates = await snapshotsAtOrBefore(store, target);
  if (candidates.length === 0) return undefined;
  const damaged: string[] = [];
  for (const [index, candidate] of candidates.entries()) {
    const started = Date.now();
    try {
      const record = await placeSnapshot(store, candidate.id, ctx);
      log.info(
        { snapshot: record.id, time: record.time, bytes: record.rdbBytes, durationMs: Date.now() - started },
        `restored Redis from snapshot ${record.id} (its state at ${record.time}; ${formatBytes(record.rdbBytes)} dump.rdb in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      return { id: record.id, time: new Date(record.time), rdbBytes: record.rdbBytes, damaged };
    } catch (error) {
      damaged.push(`${candidate.id}: ${message(error)}`);
      const older = candidates[index + 1];
      log.error(
        { snapshot: candidate.id },
        `REDIS SNAPSHOT ${candidate.id} IS DAMAGED: ${message(error)}; ${older ? `falling back to the older snapshot ${older.id} (writes between them are lost)` : 'no older snapshot is left'}`,
      );
    }
  }
  throw catalogError('RV_RESTORE_FAILED', 'noSnapshot', { failures: damaged });
}
