// Writes one backup generation: parts stream in (several at once), each hashed on the way,
// and the manifest is written last, only when every part is stored. Until then the
// generation does not exist for any reader; abort() removes what was written.
import { hostname } from 'node:os';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { catalogError, errorMessage, RolevisorError } from '../errors.js';
import { HashingStream } from './digest.js';
import { newGenerationId } from './id.js';
import {
  MANIFEST_FORMAT,
  generationPrefix,
  manifestKey,
  partKey,
  partNameProblem,
  serializeManifest,
  type Compression,
  type Manifest,
  type PartInfo,
  type WalRange,
  MANIFEST_FORMAT_BASE_BACKUP,
} from './manifest.js';
import type { Store } from '../store/store.js';

export interface GenerationMeta {
  roles: string[];
  /** Defaults to the OS host name. */
  host?: string;
  versions?: Record<string, string>;
  /** Set once a base backup ended (the manifest is then format 2). */
  wal?: WalRange;
  /** The clock (tests); defaults to new Date(). */
  now?: () => Date;
}

export interface PartOptions {
  kind?: string;
  compression?: Compression;
  /** Exact size when known (the put fails if the stream differs). */
  size?: number;
  /** Size estimate, to size upload parts. */
  expectedSize?: number;
}

interface PendingPart {
  name: string;
  source: Readable;
  done: Promise<PartInfo>;
  info?: PartInfo;
  error?: unknown;
}

export class GenerationWriter {
  readonly id: string;
  readonly prefix: string;
  readonly started: Date;
  #state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  readonly #parts: PendingPart[] = [];
  readonly #store: Store;
  readonly #meta: GenerationMeta;
  readonly #now: () => Date;

  constructor(store: Store, meta: GenerationMeta) {
    this.#store = store;
    this.#meta = meta;
    this.#now = meta.now ?? (() => new Date());
    this.started = this.#now();
    this.id = newGenerationId(this.started);
    this.prefix = generationPrefix(this.id);
  }

  #fail(message: string, cause?: unknown): RolevisorError {
    return catalogError('RV_BACKUP_FAILED', 'generation', { id: this.id, reason: message }, { cause });
  }

  /** Streams one part into the generation; resolves with its size and sha256 once stored. */
  part(name: string, stream: Readable, options: PartOptions = {}): Promise<PartInfo> {
    const refuse = (message: string): Promise<never> => {
      stream.destroy();
      return Promise.reject(this.#fail(message));
    };
    if (this.#state !== 'open') return refuse(`cannot add part "${name}": the generation is ${this.#state}`);
    const problem = partNameProblem(name);
    if (problem) return refuse(`part name ${JSON.stringify(name)} is refused: ${problem}`);
    if (this.#parts.some((p) => p.name === name)) return refuse(`part "${name}" was already added`);

    const key = partKey(this.id, name);
    const hashing = new HashingStream();
    const body = pipeline(stream, hashing, () => undefined);
    const done = this.#store.put(key, body, { size: options.size, expectedSize: options.expectedSize }).then(
      () => {
        const { size, sha256 } = hashing.digest();
        const info: PartInfo = {
          name,
          key,
          size,
          sha256,
          compression: options.compression ?? 'none',
          ...(options.kind ? { kind: options.kind } : {}),
        };
        pending.info = info;
        return info;
      },
      (error: unknown) => {
        pending.error = error;
        throw this.#fail(`part "${name}" failed: ${errorMessage(error)}`, error);
      },
    );
    const pending: PendingPart = { name, source: stream, done };
    // The caller may not await part() before commit(); commit reports the failure then.
    done.catch(() => undefined);
    this.#parts.push(pending);
    return done;
  }

  /** Waits for every part, then writes the manifest: from now on the generation exists. */
  async commit(): Promise<Manifest> {
    if (this.#state !== 'open') throw this.#fail(`cannot commit: the generation is ${this.#state}`);
    this.#state = 'committing';
    await Promise.allSettled(this.#parts.map((p) => p.done));
    const failed = this.#parts.find((p) => p.info === undefined);
    if (failed) {
      this.#state = 'open'; // the caller aborts
      throw this.#fail(`not committed: part "${failed.name}" failed: ${errorMessage(failed.error)}`, failed.error);
    }
    const manifest: Manifest = {
      format: this.#meta.wal ? MANIFEST_FORMAT_BASE_BACKUP : MANIFEST_FORMAT,
      id: this.id,
      time: this.started.toISOString(),
      host: this.#meta.host ?? hostname(),
      roles: [...this.#meta.roles],
      versions: { ...(this.#meta.versions ?? {}) },
      parts: this.#parts.map((p) => p.info as PartInfo),
      durationMs: Math.max(0, this.#now().getTime() - this.started.getTime()),
      ...(this.#meta.wal ? { wal: this.#meta.wal } : {}),
    };
    try {
      await this.#store.putText(manifestKey(this.id), serializeManifest(manifest));
    } catch (error) {
      this.#state = 'open';
      throw this.#fail(`writing ${manifestKey(this.id)} failed: ${errorMessage(error)}`, error);
    }
    this.#state = 'committed';
    return manifest;
  }

  /** Stops parts still streaming and deletes everything written; returns how many objects. */
  async abort(): Promise<number> {
    if (this.#state === 'committed') throw this.#fail('cannot abort: the generation is committed');
    this.#state = 'aborted';
    for (const p of this.#parts) {
      if (p.info === undefined && p.error === undefined) p.source.destroy(new Error('backup aborted'));
    }
    await Promise.allSettled(this.#parts.map((p) => p.done));
    return this.#store.deletePrefix(this.prefix);
  }
}

export function beginGeneration(store: Store, meta: GenerationMeta): GenerationWriter {
  return new GenerationWriter(store, meta);
}
