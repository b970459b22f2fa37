// A base backup: `pg_basebackup -D - -Ft -X none` (the cluster as one tar on stdout, its
// backup_manifest inside, no WAL: the archive has it) through `zstd` straight into the
// generation, as the postgres user over the local socket. Its WAL start and end positions
// (from the backup_manifest at the end of that tar) go into the manifest: a restore replays at least to the
// end. pg_basebackup returns once the end segment is archived, i.e. in the store.
import type { Logger } from '../../log.js';
import { clusterMajor, postgresBinaries } from '../../services/postgres/binaries.js';
import { readSuperuserPassword } from '../../services/postgres/superuser.js';
import type { ServiceContext } from '../../services/types.js';
import type { PartSink } from '../engines/engine.js';
import type { WalRange } from '../../generations/manifest.js';
import { formatBytes, progressMeter } from '../../util/progress.js';
import { startPipeline } from '../pipeline.js';
import { postgresToolEnv } from '../engines/postgres/tools.js';
import { ZSTD, ZSTD_COMPRESS_ARGS, zstdEnv } from '../zstd.js';
import { parseLsn, segmentName, segnoOfLsn } from './names.js';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { manifestWalRange, TarEntryCapture } from './tar-entry.js';

export const BASE_BACKUP_KIND = 'postgres-base';
export const BASE_BACKUP_PART = 'postgres.base.tar.zst';

/** The range the backup_manifest inside the tar records, with its segment names and end time. */
export function walRangeOf(manifestText: string, endTime: Date): WalRange {
  const range = manifestWalRange(manifestText);
  return {
    timeline: range.timeline,
    start: range.start,
    end: range.end,
    startSegment: segmentName(range.timeline, segnoOfLsn(parseLsn(range.start))),
    endSegment: segmentName(range.timeline, segnoOfLsn(Math.max(0, parseLsn(range.end) - 1))),
    endTime: endTime.toISOString(),
  };
}

export async function writeBaseBackup(
  addPart: PartSink,
  ctx: ServiceContext,
  options: { signal?: AbortSignal; log: Logger; expectedSize: number },
): Promise<WalRange> {
  const started = Date.now();
  const password = await readSuperuserPassword(ctx.paths);
  const capture = new TarEntryCapture('backup_manifest');
  const run = startPipeline(
    [
      {
        name: 'pg_basebackup',
        file: join(postgresBinaries(clusterMajor(ctx.paths.data)).bin, 'pg_basebackup'),
        // -c fast: checkpoint now rather than spread over checkpoint_timeout. -w: never prompt.
        args: ['-D', '-', '-F', 't', '-X', 'none', '-c', 'fast', '-w'],
        env: postgresToolEnv(ctx, password),
        identity: ctx.identity,
        cwd: ctx.paths.run,
        // Between pg_basebackup and zstd: the tar as PostgreSQL wrote it.
        meter: capture,
      },
      { name: 'zstd of the base backup', file: ZSTD, args: ZSTD_COMPRESS_ARGS, env: zstdEnv(), cwd: '/' },
    ],
    { signal: options.signal },
  );
  const part = await addPart(
    BASE_BACKUP_PART,
    pipeline(run.output!, progressMeter(options.log, { op: 'pg_basebackup', key: BASE_BACKUP_PART }), () => undefined),
    {
      compression: 'zstd',
      expectedSize: Math.max(options.expectedSize, 1),
    },
  );
  await run.done;
  const manifest = capture.content();
  if (!manifest) throw new Error('pg_basebackup wrote no backup_manifest into its tar');
  const range = walRangeOf(manifest.toString('utf8'), new Date());
  options.log.info(
    { phase: 'postgres', part: part.name, bytes: part.size, durationMs: Date.now() - started, wal: range },
    `base backup stored: ${formatBytes(part.size)} in ${((Date.now() - started) / 1000).toFixed(1)} s (WAL ${range.startSegment} to ${range.endSegment})`,
  );
  return range;
}
