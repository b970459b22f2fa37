// Walks FILESDIR: regular files only, symbolic links never followed (neither to files nor to
// directories: a link could point anywhere on the host), sockets and FIFOs skipped. A file's
// sha256 is computed again only when its size, mtime, ctime or inode changed since the last scan.
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HashingStream } from '../../generations/digest.js';
import { filePathProblem, type FileEntry } from './layout.js';
import { Writable } from 'node:stream';

export interface ScannedFile extends FileEntry {
  /** Absolute path on this host. */
  absolute: string;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Paths not kept (symbolic links, special files, names that cannot be stored), for one warning. */
  skipped: string[];
  /** Files that changed or vanished while they were read: the next scan takes them. */
  unsettled: string[];
}

const discard = () => new Writable({ write: (_c, _e, callback) => callback() });

export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hashing = new HashingStream();
  await pipeline(createReadStream(path), hashing, discard());
  return hashing.digest();
}

export class FileScanner {
  readonly #root: string;
  #cache = new Map<string, CacheEntry>();

  constructor(root: string) {
    this.#root = root;
  }

  async scan(): Promise<ScanResult> {
    const result: ScanResult = { files: [], skipped: [], unsettled: [] };
    const next = new Map<string, CacheEntry>();
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && prefix !== '') return; // removed meanwhile
        throw error;
      }
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const path = prefix ? `${prefix}/${entry.name}` : entry.name;
        const absolute = join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(absolute, path);
          continue;
        }
        if (!entry.isFile() || filePathProblem(path)) {
          result.skipped.push(path);
          continue;
        }
        const info = await lstat(absolute).catch(() => undefined);
        if (!info?.isFile()) {
          result.unsettled.push(path);
          continue;
        }
        const known = this.#cache.get(path);
        let sha256 = known?.sha256;
        if (
          !known ||
          known.size !== info.size ||
          known.mtimeMs !== info.mtimeMs ||
          known.ctimeMs !== info.ctimeMs ||
          known.ino !== info.ino
        ) {
          try {
            const digest = await hashFile(absolute);
            if (digest.size !== info.size) {
              result.unsettled.push(path);
              continue;
            }
            sha256 = digest.sha256;
          } catch {
            result.unsettled.push(path);
            continue;
          }
        }
        next.set(path, {
          size: info.size,
          mtimeMs: info.mtimeMs,
          ctimeMs: info.ctimeMs,
          ino: info.ino,
          sha256: sha256!,
        });
        result.files.push({
          path,
          absolute,
          size: info.size,
          sha256: sha256!,
          mode: info.mode & 0o777,
          mtimeMs: info.mtimeMs,
        });
      }
    };
    await walk(this.#root, '');
    this.#cache = next;
    return result;
  }

  /** Forget a file's hash (its upload found it changed). */
  forget(path: string): void {
    this.#cache.delete(path);
  }
}
