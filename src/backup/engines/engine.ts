// A state engine: one kind of state a host holds (PostgreSQL's logical dumps, the Redis
// snapshot, ...) behind one interface. The lifecycle, the backup runner, offline restore and
// the commands loop over the engines of the host (registry.ts) and never name a kind; a new
// kind of state is one engine file plus its line in the registry.
//
// New capabilities join as OPTIONAL members (e.g. a continuous shipper started when the
// service is ready and flushed at stop, a restore to a target time, the window it can
// restore): the lifecycle calls them where an engine has them and carries on without.
import type { PartInfo, Compression, WalRange } from '../../generations/manifest.js';
import type { Logger } from '../../log.js';
import type { ServiceContext } from '../../services/types.js';
import type { Settings } from '../../settings/types.js';
import type { Store } from '../../store/store.js';
import type { Readable } from 'node:stream';
import type { Candidate } from '../candidates.js';

/**
 * When a restore happens relative to the engine's service:
 * - 'before-start': files are placed in the empty data directory before the program starts;
 * - 'after-ready': the program starts empty and the state is restored into it once it
 *   answers, before any service that depends on it starts. The service holds partial state
 *   meanwhile, so a marker beside the data directory (restore-marker.ts) makes the next
 *   boot discard it if the restore does not finish.
 */
export type RestoreAt = 'before-start' | 'after-ready';

export interface PartSinkOptions {
  compression?: Compression;
  /** Exact size when known (the put fails if the stream differs). */
  size?: number;
  /** Size estimate, to size upload parts. */
  expectedSize?: number;
}

/** Where an engine puts its parts: each is hashed on the way and tagged with the engine's kind. */
export type PartSink = (name: string, source: Readable, options?: PartSinkOptions) => Promise<PartInfo>;

export interface BackupInput {
  ctx: ServiceContext;
  addPart: PartSink;
  /** The backup's deadline or abort: stop and reject when it fires. */
  signal?: AbortSignal;
  log: Logger;
}

export interface BackupOutput {
  /** The program's version, recorded in the manifest under the engine's kind. */
  version?: string;
  /** A base backup's place in the WAL (the manifest is then format 2). */
  wal?: WalRange;
}

export interface RestoreInput {
  store: Store;
  /** Generations holding intact-looking parts of this kind, newest first (candidates.ts). */
  candidates: Candidate[];
  ctx: ServiceContext;
  log: Logger;
  /**
   * The host's target time: the newest state at or before it (`rolevisor restore --time`, or
   * at boot the time the engine that sets the host's time reached; see `setsTime`).
   */
  targetTime?: Date;
}

/** What a restore brought back: the generation used and the moment its state reflects. */
export interface RestoredState {
  generation: string;
  /** The point in time the restored state is (a replay's end); default: the generation's time. */
  reached?: Date;
}

export interface StateEngine {
  /**
   * The kind its parts carry in a manifest (also its name in logs and `rolevisor restore`'s
   * output). Stored in every generation: never renamed.
   */
  readonly kind: string;
  /** For people: "PostgreSQL". */
  readonly label: string;
  /** The service kind (services/registry.ts) whose data this is; the host holds this state when it runs one. */
  readonly service: string;
  readonly restoreAt: RestoreAt;
  /** What its parts are called in a generation, for people (e.g. "postgres.<database>.dump.zst"). */
  readonly partNames: string;
  /** Whether this host's backups include it (a setting may turn it off). */
  backsUp(settings: Settings): boolean;
  /** Whether the service's data directory already holds data: then nothing is restored over it. */
  hasLocalData(ctx: ServiceContext): Promise<boolean>;
  /** Streams the state into the generation being written, through `addPart`. */
  backUp(input: BackupInput): Promise<BackupOutput>;
  /**
   * Restores the newest candidate whose parts prove intact, falling back generation by
   * generation; resolves to the generation used, or throws RV_RESTORE_FAILED.
   */
  restore(input: RestoreInput): Promise<string | RestoredState>;
  /**
   * This engine's state decides the host's point in time: it restores first, and every other
   * engine of the host restores its newest state at or before the moment it reached (never a
   * newer one: one point in time for the whole host).
   */
  readonly setsTime?: boolean;
  /** The moment a candidate's state is from (default: the generation's time; a base backup: its end). */
  stateTime?(candidate: Candidate): Date;
  /** Why this host cannot restore the candidate at all (another major version, ...), or undefined. */
  cannotRestore?(candidate: Candidate): string | undefined;
  /**
   * When an engine of this kind backs up on the host too, this engine leaves the scheduled and
   * stop generations and runs on DUMPSCHEDULE only (the dumps beside the base backups); at a
   * restore it is the fallback of that engine (format-1 generations, another major version).
   */
  readonly yieldsTo?: string;
  /** What one of its candidates is, for people ("logical dump"); default "generation". */
  readonly what?: string;
  /** The first boot on a store without one of its parts takes a backup of it at once (a base backup). */
  readonly backUpAtFirstBoot?: boolean;
}

/** The generation a restore used and the moment it reached, from either form `restore` resolves to. */
export function restoredState(
  result: string | RestoredState,
  candidates: Candidate[],
  engine: StateEngine,
): { generation: string; reached: Date | undefined } {
  const generation = typeof result === 'string' ? result : result.generation;
  const candidate = candidates.find((c) => c.id === generation);
  const reached =
    (typeof result === 'string' ? undefined : result.reached) ?? (candidate && stateTimeOf(engine, candidate));
  return { generation, reached };
}

export const stateTimeOf = (engine: StateEngine, candidate: Candidate): Date =>
  engine.stateTime?.(candidate) ?? candidate.summary.time;
