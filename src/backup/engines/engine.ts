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
  /** The host's target time (`rolevisor restore --time`): the newest state at or before it. */
  targetTime?: Date;
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
  restore(input: RestoreInput): Promise<string>;
}
