// Continuous sync of FILESDIR into the store: every interval a scan (scan.ts); the content
// of new and changed files is uploaded once (content-addressed, proved against the scan's
// sha256 as it streams, so a file rewritten meanwhile is not stored under a wrong name);
// then, only when the tree differs from the last index in the store, one new index. Idle
// costs a scan and uploads nothing. A failed upload keeps the file's previous entry (never a
// false deletion) and the sync counts as behind until a later one gets everything in.
import { createReadStream } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from '../../log.js';
import { verifyingStream } from '../../generations/digest.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import {
  fileObjectKey,
  listFileObjects,
  listIndexes,
  newIndexId,
  readIndex,
  writeIndex,
  type FileEntry,
  type FilesIndex,
} from './layout.js';
import { pruneFiles } from './prune.js';
import { FileScanner, type ScannedFile } from './scan.js';

export interface FilesSyncOptions {
  store: Store;
  /** FILESDIR. */
  root: string;
  log: Logger;
  intervalSec: number;
  host?: string;
}

export interface FilesSyncStatus {
  /** When the last sync that left nothing behind finished (ms). */
  lastSyncAt: number | undefined;
  /** The newest index this host wrote. */
  lastIndexId: string | undefined;
  /** Seconds since the store last held every file (0 when it does). */
  lagSeconds: number;
  /** Files whose content is not in the store yet (at the last sync). */
  pendingFiles: number;
  files: number;
  bytes: number;
  consecutiveFailures: number;
  lastError: string | undefined;
  objectsUploaded: number;
  bytesUploaded: number;
  indexesWritten: number;
}

export interface SyncResult {
  uploaded: number;
  uploadedBytes: number;
  /** The index written, when the tree changed. */
  index: string | undefined;
  pending: number;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const sameTree = (a: FileEntry[], b: FileEntry[]): boolean =>
  a.length === b.length &&
  a.every((x, i) => {
    const y = b[i];
    return x.path === y.path && x.sha256 === y.sha256 && x.size === y.size && x.mode === y.mode;
  });

export class FilesSync {
  readonly #options: FilesSyncOptions;
  readonly #scanner: FileScanner;
  /** sha256 of every content object known to be in the store. */
  #stored: Set<string> | undefined;
  /** The tree of the newest index in the store (undefined until read). */
  #last: FileEntry[] | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;
  #behindSince: number | undefined;
  #status: FilesSyncStatus = {
    lastSyncAt: undefined,
    lastIndexId: undefined,
    lagSeconds: 0,
    pendingFiles: 0,
    files: 0,
    bytes: 0,
    consecutiveFailures: 0,
    lastError: undefined,
    objectsUploaded: 0,
    bytesUploaded: 0,
    indexesWritten: 0,
  };

  constructor(options: FilesSyncOptions) {
    this.#options = options;
    this.#scanner = new FileScanner(options.root);
  }

  start(): void {
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.sync().catch(() => undefined);
      void this.#running.finally(() => this.#schedule());
    }, this.#options.intervalSec * 1000);
    this.#timer.unref();
  }

  /** What the store holds: its objects and the tree of its newest readable index. */
  async #load(): Promise<void> {
    const { store, log } = this.#options;
    this.#stored ??= new Set((await listFileObjects(store)).keys());
    if (this.#last) return;
    for (const listed of await listIndexes(store)) {
      try {
        this.#last = (await readIndex(store, listed.id)).files;
        return;
      } catch (error) {
        log.error(`FILES INDEX ${listed.id} IS DAMAGED: ${message(error)}; comparing with the one before it`);
      }
    }
    this.#last = [];
  }

  async #upload(file: ScannedFile): Promise<number> {
    const verifier = verifyingStream(
      file,
      () => new Error(`${file.path} changed while it was uploaded; it goes with the next sync`),
    );
    const source = createReadStream(file.absolute);
    source.on('error', (error) => verifier.destroy(error));
    const { bytes } = await this.#options.store.put(fileObjectKey(file.sha256), source.pipe(verifier), {
      size: file.size,
    });
    return bytes;
  }

  /** Syncs and prunes take turns: a prune must not delete an object a sync is about to list. */
  #turn: Promise<unknown> = Promise.resolve();
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#turn.then(work, work);
    this.#turn = next.catch(() => undefined);
    return next;
  }

  /** Retention (prune.ts), keeping this sync's idea of what the store holds true. */
  async prune(keepFrom: Date | undefined): Promise<{ indexes: string[]; objects: string[] }> {
    return this.#exclusive(async () => {
      const deleted = await pruneFiles(this.#options.store, { keepFrom, log: this.#options.log });
      for (const sha of deleted.objects) this.#stored?.delete(sha);
      return deleted;
    });
  }

  /** One scan, the uploads it needs and, when the tree changed, one index. */
  sync(): Promise<SyncResult> {
    return this.#exclusive(() => this.#sync());
  }

  async #sync(): Promise<SyncResult> {
    const { store, log, root } = this.#options;
    const result: SyncResult = { uploaded: 0, uploadedBytes: 0, index: undefined, pending: 0 };
    this.#behindSince ??= Date.now();
    try {
      await this.#load();
      const scan = await this.#scanner.scan();
      if (scan.skipped.length > 0)
        log.debug(
          { skipped: scan.skipped.slice(0, 20) },
          `${scan.skipped.length} entries in ${root} are not regular files (not kept)`,
        );
      const previous = new Map(this.#last!.map((e) => [e.path, e]));
      const entries: FileEntry[] = [];
      let firstError: Error | undefined;
      for (const file of scan.files) {
        if (!this.#stored!.has(file.sha256)) {
          try {
            result.uploadedBytes += await this.#upload(file);
            result.uploaded += 1;
            this.#stored!.add(file.sha256);
          } catch (error) {
            firstError ??= error instanceof Error ? error : new Error(String(error));
            result.pending += 1;
            this.#scanner.forget(file.path);
            const old = previous.get(file.path);
            if (old) entries.push(old); // keep what the store has, never a false deletion
            continue;
          }
        }
        entries.push({ path: file.path, size: file.size, sha256: file.sha256, mode: file.mode, mtimeMs: file.mtimeMs });
      }
      for (const path of scan.unsettled) {
        result.pending += 1;
        const old = previous.get(path);
        if (old) entries.push(old);
      }
      entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      if (!sameTree(entries, this.#last!)) {
        const time = new Date();
        const index: FilesIndex = {
          format: 1,
          id: newIndexId(time),
          time: time.toISOString(),
          host: this.#options.host ?? hostname(),
          files: entries,
        };
        const bytes = await writeIndex(store, index);
        this.#last = entries;
        result.index = index.id;
        this.#status.lastIndexId = index.id;
        this.#status.indexesWritten += 1;
        this.#status.bytesUploaded += bytes;
        const removed = [...previous.keys()].filter((p) => !entries.some((e) => e.path === p)).length;
        log.info(
          { index: index.id, files: entries.length, uploaded: result.uploaded, bytes: result.uploadedBytes, removed },
          `files synced: index ${index.id}, ${entries.length} file(s), ${result.uploaded} uploaded (${formatBytes(result.uploadedBytes)}), ${removed} removed`,
        );
      }
      Object.assign(this.#status, {
        files: entries.length,
        bytes: entries.reduce((sum, e) => sum + e.size, 0),
        pendingFiles: result.pending,
        objectsUploaded: this.#status.objectsUploaded + result.uploaded,
        bytesUploaded: this.#status.bytesUploaded + result.uploadedBytes,
      });
      if (firstError) throw firstError;
      if (result.pending === 0) {
        this.#behindSince = undefined;
        this.#status.lastSyncAt = Date.now();
        this.#status.consecutiveFailures = 0;
        this.#status.lastError = undefined;
      }
      return result;
    } catch (error) {
      this.#status.consecutiveFailures += 1;
      this.#status.lastError = message(error);
      log.warn(
        { failures: this.#status.consecutiveFailures, lagSeconds: this.status().lagSeconds },
        `files sync failed (${message(error)}); retrying every ${this.#options.intervalSec} s`,
      );
      throw error;
    }
  }

  status(): FilesSyncStatus {
    const lag = this.#behindSince === undefined ? 0 : (Date.now() - this.#behindSince) / 1000;
    return { ...this.#status, lagSeconds: lag };
  }

  /** The stop's tail: no more timer; wait for a running sync; one last sync. */
  async flush(): Promise<SyncResult> {
    this.close();
    await this.#running;
    return this.sync();
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
