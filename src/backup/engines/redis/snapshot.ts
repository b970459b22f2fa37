// Redis's part of a backup: BGSAVE, wait until that very save finished well, then stream the
// dump.rdb it wrote. The file is opened at once: a later save renames a new file over the
// name, but an open descriptor keeps reading the complete snapshot it was opened on.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LOOPBACK } from '../../../services/shared/backend-bind.js';
import { redisCredentials } from '../../../services/redis/conf.js';
import { localTlsOptions } from '../../../services/shared/cluster-tls.js';
import type { ServiceContext } from '../../../services/types.js';
import { startPipeline, type Pipeline } from '../../pipeline.js';
import { ZSTD, ZSTD_COMPRESS_ARGS, zstdEnv } from '../../zstd.js';

export const RDB_FILE = 'dump.rdb';
const POLL_MS = 50;

export interface RedisSnapshot {
  version: string;
  /** Size of the RDB file (before compression). */
  size: number;
  pipeline: Pipeline;
}

/** INFO <section> as key → value. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

export interface SaveProgress {
  inProgress: boolean;
  /** rdb_saves (Redis >= 7): counts finished saves. */
  saves: number | undefined;
  lastSave: number;
  lastStatus: string;
}

export function saveProgress(info: Record<string, string>): SaveProgress {
  return {
    inProgress: info.rdb_bgsave_in_progress === '1',
    saves: info.rdb_saves === undefined ? undefined : Number(info.rdb_saves),
    lastSave: Number(info.rdb_last_save_time ?? 0),
    lastStatus: info.rdb_last_bgsave_status ?? 'unknown',
  };
}

/** Whether the save we started (after `before`) has finished. */
export function saveFinished(before: SaveProgress, now: SaveProgress): boolean {
  if (now.inProgress) return false;
  if (before.saves !== undefined && now.saves !== undefined) return now.saves > before.saves;
  return now.lastSave > before.lastSave;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function connectRedis(ctx: Pick<ServiceContext, 'settings'>): Redis {
  const credentials = redisCredentials(ctx.settings.redis.url);
  const redis = new Redis({
    host: LOOPBACK,
    tls: localTlsOptions(ctx.settings),
    port: ctx.settings.redis.port,
    username: credentials.username,
    password: credentials.password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Runs BGSAVE and waits for it; a save already running is waited out first (its data may be older). */
export async function backgroundSave(redis: Redis, signal?: AbortSignal): Promise<void> {
  const progress = async () => saveProgress(parseInfo(await redis.info('persistence')));
  let before = await progress();
  for (;;) {
    signal?.throwIfAborted();
    try {
      await redis.bgsave();
      break;
    } catch (error) {
      if (!/in progress/i.test((error as Error).message)) throw error;
      await sleep(POLL_MS);
      before = await progress();
    }
  }
  for (;;) {
    signal?.throwIfAborted();
    const now = await progress();
    if (saveFinished(before, now)) {
      if (now.lastStatus !== 'ok')
        throw new Error(`Redis BGSAVE failed (rdb_last_bgsave_status:${now.lastStatus}); see the redis log lines`);
      return;
    }
    await sleep(POLL_MS);
  }
}

/** BGSAVE, then the fresh dump.rdb through zstd. */
export async function snapshotRedis(ctx: ServiceContext, options: { signal?: AbortSignal }): Promise<RedisSnapshot> {
  const redis = connectRedis(ctx);
  let handle: FileHandle | undefined;
  let version: string;
  try {
    await redis.connect();
    version = parseInfo(await redis.info('server')).redis_version ?? 'unknown';
    await backgroundSave(redis, options.signal);
    handle = await open(join(ctx.paths.data, RDB_FILE), 'r');
  } finally {
    redis.disconnect();
  }
  const size = (await handle.stat()).size;
  const input = handle.createReadStream();
  const pipeline = startPipeline(
    [{ name: 'zstd of the Redis snapshot', file: ZSTD, args: ZSTD_COMPRESS_ARGS, env: zstdEnv(), cwd: '/' }],
    { input, signal: options.signal },
  );
  return { version, size, pipeline };
}
