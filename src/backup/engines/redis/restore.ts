// Restoring Redis = placing the snapshot as dump.rdb in its data directory before it starts.
// The part streams from the store (its sha256 checked on the way) through `zstd -d` into a
// temporary file, which becomes dump.rdb (owned by redis, 0600) only once every byte proved
// right: a damaged snapshot never reaches the name Redis loads.
import { createWriteStream } from 'node:fs';
import { chown, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { catalogError, errorMessage } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { ensureServiceDir } from '../../../services/shared/backend-dirs.js';
import type { ServiceContext } from '../../../services/types.js';
import { readPart } from '../../../generations/read.js';
import type { Store } from '../../../store/store.js';
import { formatBytes } from '../../../util/progress.js';
import type { Candidate } from '../../candidates.js';
import { startPipeline } from '../../pipeline.js';
import { RDB_FILE } from './snapshot.js';
import { ZSTD, ZSTD_DECOMPRESS_ARGS, zstdEnv } from '../../zstd.js';

/** Writes one generation's snapshot to <data>/dump.rdb; throws (leaving nothing) if it is damaged. */
export async function placeRedisSnapshot(
  store: Store,
  candidate: Candidate,
  ctx: Pick<ServiceContext, 'paths' | 'identity'>,
): Promise<number> {
  const part = candidate.parts[0];
  if (!part) throw new Error(`generation ${candidate.id} has no Redis part`);
  await ensureServiceDir(ctx.paths.data, 0o700, ctx.identity);
  const target = join(ctx.paths.data, RDB_FILE);
  const temp = `${target}.rv-restore`;
  const source = await readPart(store, candidate.summary.manifest, part);
  try {
    const out = createWriteStream(temp, { mode: 0o600 });
    if (part.compression === 'zstd') {
      const unzstd = startPipeline(
        [{ name: 'zstd -d of the Redis snapshot', file: ZSTD, args: ZSTD_DECOMPRESS_ARGS, env: zstdEnv(), cwd: '/' }],
        { input: source },
      );
      await pipeline(unzstd.output!, out);
      await unzstd.done;
    } else {
      await pipeline(source, out);
    }
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
      const size = (await handle.stat()).size;
      if (ctx.identity) await chown(temp, ctx.identity.uid, ctx.identity.gid);
      await rename(temp, target);
      return size;
    } finally {
      await handle.close();
    }
  } catch (error) {
    source.destroy();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Places the newest snapshot that proves intact, falling back generation by generation.
 * Returns the generation used; throws RV_RESTORE_FAILED when none could be.
 */
export async function restoreRedis(
  store: Store,
  candidates: Candidate[],
  ctx: Pick<ServiceContext, 'paths' | 'identity'>,
  log: Logger,
): Promise<string> {
  const failures: string[] = [];
  for (const candidate of candidates) {
    const started = Date.now();
    try {
      const size = await placeRedisSnapshot(store, candidate, ctx);
      log.info(
        { generation: candidate.id, bytes: size, durationMs: Date.now() - started },
        `restored Redis from generation ${candidate.id} (${formatBytes(size)} dump.rdb in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      return candidate.id;
    } catch (error) {
      failures.push(`${candidate.id}: ${errorMessage(error)}`);
      log.error(
        { generation: candidate.id },
        `RESTORE OF REDIS FROM GENERATION ${candidate.id} FAILED: ${errorMessage(error)}; ${candidates.at(-1) === candidate ? 'no older generation is left' : 'falling back to the previous generation'}`,
      );
    }
  }
  throw catalogError('RV_RESTORE_FAILED', 'noGeneration', { what: 'Redis', failures });
}
