// The local-directory store (BACKUPDIR, a mounted volume in production). A put streams into
// a temporary file next to its target, fsyncs it, renames it over the key and fsyncs the
// directory: a reader sees the old object or the whole new one, never a torn file, even
// after a crash. Everything is private to root: files 0600, directories 0700.
import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { access, mkdir, open, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, sep } from 'node:path';
import { pipeline as pipelineCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { catalogError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { progressMeter } from '../util/progress.js';
import { TEMP_MARKER, validateKey, validatePrefix } from './keys.js';
import { sizeGuard } from './size-guard.js';
import { BaseStore, StoreNotFoundError, type ListedObject, type ObjectInfo, type PutOptions } from './store.js';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export interface FsStoreOptions {
  root: string;
  log: Logger;
  progressIntervalMs?: number;
}

const isCode = (error: unknown, ...codes: string[]): boolean =>
  typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '');

/** fsync through a fresh descriptor: it flushes the file's (or directory's) data all the same. */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FsStore extends BaseStore {
  readonly root: string;
  readonly #log: Logger;
  readonly #intervalMs: number | undefined;

  constructor(options: FsStoreOptions) {
    super();
    this.root = options.root;
    this.#log = options.log.child({ store: 'fs' });
    this.#intervalMs = options.progressIntervalMs;
  }

  describe(): string {
    return `local directory ${this.root}`;
  }

  #path(key: string): string {
    return join(this.root, ...validateKey(key).split('/'));
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true, mode: DIR_MODE });
      const info = await stat(this.root);
      if (!info.isDirectory()) throw new Error('it is not a directory');
      await access(this.root, constants.R_OK | constants.W_OK | constants.X_OK);
      await readdir(this.root);
    } catch (error) {
      const reason = errorMessage(error);
      throw catalogError('RV_STORE_UNREACHABLE', 'directory', { store: this.describe(), reason }, { cause: error });
    }
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ bytes: number }> {
    const target = this.#path(key);
    const temp = join(dirname(target), `${basename(target)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
    const meter = progressMeter(this.#log, {
      op: 'put',
      key,
      total: options.size ?? options.expectedSize,
      intervalMs: this.#intervalMs,
      summaryOnEnd: false,
    });
    let out;
    try {
      out = await this.#openTemp(temp);
    } catch (error) {
      body.destroy();
      throw error;
    }
    try {
      await pipeline(body, sizeGuard(key, options.size), meter, out);
      await fsyncPath(temp);
      await rename(temp, target);
      await fsyncPath(dirname(target));
    } catch (error) {
      body.destroy();
      out.destroy();
      await unlink(temp).catch(() => undefined);
      await this.#pruneEmptyParents(dirname(target));
      meter.destroy();
      throw error;
    }
    meter.finish();
    return { bytes: meter.bytes };
  }

  /** Creates the parent directories and the temp file; retries if a concurrent delete pruned the parents. */
  async #openTemp(temp: string): Promise<WriteStream> {
    for (let attempt = 1; ; attempt += 1) {
      await mkdir(dirname(temp), { recursive: true, mode: DIR_MODE });
      try {
        const out = createWriteStream(temp, { flags: 'wx', mode: FILE_MODE });
        await once(out, 'open');
        return out;
      } catch (error) {
        if (!isCode(error, 'ENOENT') || attempt >= 3) throw error;
      }
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.#path(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new StoreNotFoundError(key, this.describe());
      throw error;
    }
    const info = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!info.isFile()) {
      await handle.close();
      throw new StoreNotFoundError(key, this.describe());
    }
    const meter = progressMeter(this.#log, { op: 'get', key, total: info.size, intervalMs: this.#intervalMs });
    // pipeline carries a read error on to the reader, and a reader's destroy closes the file.
    return pipelineCallback(handle.createReadStream(), meter, () => undefined);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { size: info.size, modified: info.mtime } : undefined;
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    // Walk only the deepest directory the prefix names entirely.
    const dirKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: ListedObject[] = [];
    await this.#walk(dirKey, prefix, found);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async #walk(dirKey: string, prefix: string, found: ListedObject[]): Promise<void> {
    const dir = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.includes(TEMP_MARKER)) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        // Descend only where keys below can still match the prefix.
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.#walk(key, prefix, found);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        try {
          const info = await stat(join(dir, entry.name));
          found.push({ key, size: info.size, modified: info.mtime });
        } catch (error) {
          if (!isCode(error, 'ENOENT')) throw error; // deleted while we listed
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return;
      throw error;
    }
    await this.#pruneEmptyParents(dirname(path));
  }

  /** Removes directories left empty by deletes, up to (not including) the root. */
  async #pruneEmptyParents(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.root + sep) && current !== this.root) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or gone): stop climbing
      }
      current = dirname(current);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (const object of objects) await this.delete(object.key);
    return objects.length;
  }
}
