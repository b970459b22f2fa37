// Restoring PostgreSQL physically, into an EMPTY data directory before PostgreSQL starts:
// the newest base backup that verifies (at or before the target time), then every archived
// WAL segment it needs, each checked against the sha256 in its key as it is fetched, then
// replay (recovery.ts). All of it happens in a staging directory renamed into place only at
// the end, so a crash leaves nothing a later boot would take for a cluster. A damaged base
// backup falls back to the one before (and more WAL). A gap or a damaged segment stops the
// chain there: fail closed (RV_WAL_GAP) unless ACCEPTOLDERSTATE, with the time of the last
// transaction that could be replayed.
import { createWriteStream } from 'node:fs';
import { chown, mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { catalogError, RolevisorError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ensureServiceDir } from '../../services/shared/backend-dirs.js';
import { clusterMajor, postgresBinaries } from '../../services/postgres/binaries.js';
import { ensureSuperuserPassword } from '../../services/postgres/superuser.js';
import type { ServiceContext } from '../../services/types.js';
import { verifyingStream } from '../../generations/digest.js';
import { readPart } from '../../generations/read.js';
import type { GenerationScan, GenerationSummary } from '../../generations/scan.js';
import type { PartInfo } from '../../generations/manifest.js';
import { readAllText, type Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import { startPipeline } from '../pipeline.js';
import { ZSTD, ZSTD_DECOMPRESS_ARGS, zstdEnv } from '../zstd.js';
import { BASE_BACKUP_KIND } from './base-backup.js';
import { parseHistory, planChain, type Chain, type HistoryEntry } from './chain.js';
import { parseLsn, parseWalKey, segnoOfLsn, WAL_PREFIX, type StoredWal } from './names.js';
import { replayWal } from './recovery.js';

export interface BaseCandidate {
  summary: GenerationSummary;
  part: PartInfo;
}

export interface PhysicalRestoreResult {
  generation: string;
  lastTransaction: Date | undefined;
  /** The moment the restored cluster is at: the replay's target, else when its newest replayed segment was archived (after a break: its last commit). */
  reached: Date;
  segments: number;
  /** Set when the chain broke and ACCEPTOLDERSTATE let the older state through. */
  gap?: string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Generations with a base backup, newest first, that ended at or before the target time. */
export function baseCandidates(scan: GenerationScan, target: Date | undefined): BaseCandidate[] {
  const list: BaseCandidate[] = [];
  for (const summary of scan.complete) {
    const part = summary.manifest.parts.find((p) => p.kind === BASE_BACKUP_KIND);
    if (!part || !summary.manifest.wal) continue;
    if (target && new Date(summary.manifest.wal.endTime).getTime() > target.getTime()) continue;
    list.push({ summary, part });
  }
  return list;
}

export async function listWal(store: Store): Promise<StoredWal[]> {
  return (await store.list(WAL_PREFIX))
    .map((o) => parseWalKey(o.key, o.size, o.modified))
    .filter((w): w is StoredWal => w !== undefined);
}

/** A zstd-compressed object, verified against its key's sha256, decompressed into `file`. */
async function fetchWal(store: Store, wal: StoredWal, file: string): Promise<void> {
  const source = await store.get(wal.key);
  const verified = source.pipe(
    verifyingStream(
      { size: wal.size, sha256: wal.sha256 },
      (actual) => new Error(`${wal.key} is damaged (read ${actual.size} bytes, sha256 ${actual.sha256})`),
    ),
  );
  source.on('error', (error) => verified.destroy(error));
  const run = startPipeline(
    [{ name: `zstd -d of ${wal.name}`, file: ZSTD, args: ZSTD_DECOMPRESS_ARGS, env: zstdEnv(), cwd: '/' }],
    {
      input: verified,
    },
  );
  await pipeline(run.output!, createWriteStream(file, { mode: 0o600 }));
  await run.done;
}

async function readHistories(store: Store, wal: StoredWal[]): Promise<Map<number, HistoryEntry[]>> {
  const histories = new Map<number, HistoryEntry[]>();
  for (const item of wal.filter((w) => w.kind === 'history')) {
    const source = await store.get(item.key);
    const run = startPipeline(
      [{ name: `zstd -d of ${item.name}`, file: ZSTD, args: ZSTD_DECOMPRESS_ARGS, env: zstdEnv(), cwd: '/' }],
      {
        input: source.pipe(
          verifyingStream({ size: item.size, sha256: item.sha256 }, () => new Error(`${item.key} is damaged`)),
        ),
      },
    );
    const text = await readAllText(run.output!, item.key);
    await run.done;
    histories.set(item.timeline, parseHistory(text));
  }
  return histories;
}

export interface PhysicalRestoreOptions {
  store: Store;
  candidates: BaseCandidate[];
  ctx: ServiceContext;
  log: Logger;
  targetTime: Date | undefined;
  acceptOlderState: boolean;
}

async function extractBase(options: PhysicalRestoreOptions, candidate: BaseCandidate, staging: string): Promise<void> {
  const { ctx } = options;
  const source = await readPart(options.store, candidate.summary.manifest, candidate.part);
  const run = startPipeline(
    [
      { name: 'zstd -d of the base backup', file: ZSTD, args: ZSTD_DECOMPRESS_ARGS, env: zstdEnv(), cwd: '/' },
      {
        name: 'tar -x of the base backup',
        file: '/usr/bin/tar',
        args: ['-x', '-f', '-', '-C', staging],
        env: zstdEnv(),
        identity: ctx.identity,
        cwd: staging,
      },
    ],
    { input: source, output: false },
  );
  await run.done;
}

/** Fetches the chain into pg_wal, marked archived already; stops at the first damaged segment. */
async function prefetch(
  options: PhysicalRestoreOptions,
  chain: Chain,
  wal: StoredWal[],
  staging: string,
): Promise<{ fetched: number; damaged?: string }> {
  const { log, ctx } = options;
  const walDir = join(staging, 'pg_wal');
  const statusDir = join(walDir, 'archive_status');
  await mkdir(statusDir, { recursive: true, mode: 0o700 });
  const owned = async (path: string) => {
    if (ctx.identity) await chown(path, ctx.identity.uid, ctx.identity.gid);
  };
  await owned(statusDir);
  const files = [...wal.filter((w) => w.kind === 'history'), ...chain.segments];
  let fetched = 0;
  let bytes = 0;
  let lastReport = Date.now();
  for (const item of files) {
    const file = join(walDir, item.name);
    try {
      await fetchWal(options.store, item, file);
    } catch (error) {
      await rm(file, { force: true });
      if (item.kind === 'history') throw error;
      log.error({ wal: item.key }, `WAL SEGMENT ${item.name} IS DAMAGED: ${message(error)}`);
      return { fetched, damaged: item.name };
    }
    await owned(file);
    // Already in the store: the restored cluster must not archive it again.
    await writeFile(join(statusDir, `${item.name}.done`), '');
    await owned(join(statusDir, `${item.name}.done`));
    if (item.kind === 'segment') fetched += 1;
    bytes += item.size;
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      log.info(
        { segments: fetched, of: chain.segments.length },
        `fetched ${fetched} of ${chain.segments.length} WAL segments (${formatBytes(bytes)})`,
      );
    }
  }
  return { fetched };
}

async function restoreOne(
  options: PhysicalRestoreOptions,
  candidate: BaseCandidate,
  wal: StoredWal[],
  histories: Map<number, HistoryEntry[]>,
): Promise<PhysicalRestoreResult> {
  const { ctx, log } = options;
  const range = candidate.summary.manifest.wal!;
  const id = candidate.summary.id;
  const chain = planChain({
    baseTimeline: range.timeline,
    startSegno: segnoOfLsn(parseLsn(range.start)),
    endSegno: segnoOfLsn(Math.max(0, parseLsn(range.end) - 1)),
    segments: wal,
    histories,
  });
  if (chain.incomplete)
    throw new Error(
      `WAL segment ${chain.incomplete}, needed to make base backup ${id} consistent, is not in the store`,
    );
  const staging = `${ctx.paths.data}.restore`;
  await rm(staging, { recursive: true, force: true });
  await ensureServiceDir(staging, 0o700, ctx.identity);
  log.info(
    { generation: id, bytes: candidate.part.size, segments: chain.segments.length, timeline: chain.timeline },
    `restoring PostgreSQL from base backup ${id} (${formatBytes(candidate.part.size)}) and ${chain.segments.length} archived WAL segment(s)${options.targetTime ? ` to ${options.targetTime.toISOString()}` : ''}`,
  );
  await extractBase(options, candidate, staging);
  const got = await prefetch(options, chain, wal, staging);
  const broken = got.damaged ?? chain.gap;
  if (got.fetched < chain.segments.length && chain.segments[got.fetched].segno <= segnoOfLsn(parseLsn(range.end) - 1))
    throw new Error(`WAL segment ${got.damaged}, needed to make base backup ${id} consistent, is damaged`);
  const password = (await ensureSuperuserPassword(ctx.paths)).value;
  // A target after the newest archived segment is "everything": PostgreSQL would refuse a
  // target it never reaches.
  const newestArchived = chain.segments.at(-1)?.modified.getTime() ?? 0;
  const replayTarget =
    options.targetTime && options.targetTime.getTime() < newestArchived ? options.targetTime : undefined;
  const replayed = await replayWal({
    bin: postgresBinaries(clusterMajor(staging)).bin,
    dataDir: staging,
    workDir: join(ctx.paths.run, 'recovery'),
    port: ctx.settings.db.port,
    identity: ctx.identity,
    timeline: chain.timeline,
    targetTime: replayTarget,
    superuserPassword: password,
    log,
  });
  const when = replayed.lastTransaction?.toISOString() ?? `the base backup's end (${range.endTime})`;
  if (broken) {
    const text = `the archived WAL breaks at ${broken} (${got.damaged ? 'damaged' : 'missing while later segments exist'}): PostgreSQL can only be brought back to its last transaction before it, ${when}; later commits in the store cannot be replayed`;
    if (!options.acceptOlderState) {
      await rm(staging, { recursive: true, force: true });
      throw catalogError('RV_WAL_GAP', 'breaks', { problem: text });
    }
    log.error(`ACCEPTOLDERSTATE=true: ${text}; starting from that older state`);
  }
  try {
    await rmdir(ctx.paths.data).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(staging, ctx.paths.data);
  } catch (error) {
    throw catalogError(
      'RV_RESTORE_FAILED',
      'clusterMove',
      { from: staging, to: ctx.paths.data, reason: message(error) },
      { cause: error },
    );
  }
  log.info(
    { generation: id, segments: got.fetched, lastTransaction: replayed.lastTransaction, lsn: replayed.lastLsn },
    `restored PostgreSQL from base backup ${id} and ${got.fetched} WAL segment(s): it holds every commit up to ${when}`,
  );
  // Replayed to the chain's end: the cluster is as it was when its newest segment was archived
  // (a commit after that segment's switch would be in a later one). After a break: its last commit.
  const newestReplayed = broken ? undefined : chain.segments[got.fetched - 1]?.modified;
  const known = [new Date(range.endTime), replayed.lastTransaction, newestReplayed].filter(
    (t): t is Date => t !== undefined,
  );
  const reached = replayTarget ?? new Date(Math.max(...known.map((t) => t.getTime())));
  return { generation: id, lastTransaction: replayed.lastTransaction, reached, segments: got.fetched, gap: broken };
}

export async function restorePhysical(options: PhysicalRestoreOptions): Promise<PhysicalRestoreResult> {
  const { log } = options;
  const wal = await listWal(options.store);
  const histories = await readHistories(options.store, wal);
  const failures: string[] = [];
  for (const candidate of options.candidates) {
    try {
      return await restoreOne(options, candidate, wal, histories);
    } catch (error) {
      await rm(`${options.ctx.paths.data}.restore`, { recursive: true, force: true });
      if (error instanceof RolevisorError && error.code === 'RV_WAL_GAP') throw error;
      failures.push(`${candidate.summary.id}: ${message(error)}`);
      log.error(
        { generation: candidate.summary.id },
        `RESTORE OF POSTGRESQL FROM BASE BACKUP ${candidate.summary.id} FAILED: ${message(error)}; ${options.candidates.at(-1) === candidate ? 'no older base backup is left' : 'falling back to the base backup before it (and more WAL)'}`,
      );
    }
  }
  throw catalogError('RV_RESTORE_FAILED', 'noBaseBackup', { failures });
}
