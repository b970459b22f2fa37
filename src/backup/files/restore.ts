// Restoring FILESDIR: the newest index at or before the target time that reads and whose
// every object proves right (size and sha256, checked as it streams) is written into the
// empty directory. A damaged index or object is reported loudly and the index before it is
// tried; what a failed attempt wrote is removed first, so the directory is one index's tree
// or empty. Paths are checked (no "..", nothing absolute) and files are created with
// O_EXCL | O_NOFOLLOW in directories rolevisor itself just made: nothing lands outside.
import { constants, createWriteStream } from 'node:fs';
import { chown, mkdir, open, readdir, rename, rm, utimes } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { catalogError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Identity } from '../../util/identity.js';
import { verifyingStream } from '../../generations/digest.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import { fileObjectKey, filePathProblem, listIndexes, readIndex, type FileEntry, type FilesIndex } from './layout.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function writeEntry(store: Store, root: string, entry: FileEntry, identity: Identity | undefined): Promise<void> {
  const problem = filePathProblem(entry.path);
  if (problem) throw new Error(`the path ${JSON.stringify(entry.path)} is refused: ${problem}`);
  const target = join(root, ...entry.path.split('/'));
  const dir = dirname(target);
  const made = await mkdir(dir, { recursive: true, mode: 0o750 });
  if (made && identity) {
    // Every directory mkdir created, from the first one down, belongs to the app's user.
    let current = made;
    await chown(current, identity.uid, identity.gid);
    for (const part of relative(made, dir).split('/').filter(Boolean)) {
      current = join(current, part);
      await chown(current, identity.uid, identity.gid);
    }
  }
  const temp = `${target}.rv-restore`;
  const source = await store.get(fileObjectKey(entry.sha256));
  const verifier = verifyingStream(
    entry,
    (actual) =>
      new Error(
        actual.size !== entry.size
          ? `${entry.path}: its object has ${actual.size} bytes, the index says ${entry.size}`
          : `${entry.path}: sha256 mismatch (read ${actual.sha256}, the index says ${entry.sha256})`,
      ),
  );
  // 'wx' is O_CREAT | O_EXCL: it fails on anything already there, a symbolic link included.
  await pipeline(source, verifier, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
  const handle = await open(temp, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    await handle.sync();
    await handle.chmod(entry.mode);
    if (identity) await handle.chown(identity.uid, identity.gid);
  } finally {
    await handle.close();
  }
  await utimes(temp, new Date(), new Date(entry.mtimeMs));
  await rename(temp, target);
}

async function emptyDirectory(root: string): Promise<void> {
  for (const name of await readdir(root)) await rm(join(root, name), { recursive: true, force: true });
}

export interface RestoredFiles {
  id: string;
  time: Date;
  files: number;
  bytes: number;
  damaged: string[];
}

/**
 * Writes the newest verified index at or before `target` (the newest when undefined) into
 * `root`, which must be empty. Undefined when the store has no index that early.
 */
export async function restoreFiles(
  store: Store,
  root: string,
  options: { log: Logger; identity?: Identity; target?: Date },
): Promise<RestoredFiles | undefined> {
  const { log, identity, target } = options;
  const indexes = (await listIndexes(store)).filter((i) => !target || i.time.getTime() <= target.getTime());
  if (indexes.length === 0) return undefined;
  await mkdir(dirname(root), { recursive: true }); // parents stay traversable, as ensureServiceDir does
  await mkdir(root, { recursive: true, mode: 0o750 });
  if ((await readdir(root)).length > 0) throw new Error(`restoreFiles needs an empty ${root}`);
  if (identity) await chown(root, identity.uid, identity.gid);
  const damaged: string[] = [];
  for (const [position, listed] of indexes.entries()) {
    const started = Date.now();
    let index: FilesIndex | undefined;
    try {
      index = await readIndex(store, listed.id);
      for (const entry of index.files) await writeEntry(store, root, entry, identity);
      const bytes = index.files.reduce((sum, e) => sum + e.size, 0);
      log.info(
        { index: index.id, time: index.time, files: index.files.length, bytes, durationMs: Date.now() - started },
        `restored ${index.files.length} file(s) (${formatBytes(bytes)}) into ${root} from index ${index.id} (the files as of ${index.time})`,
      );
      return { id: index.id, time: new Date(index.time), files: index.files.length, bytes, damaged };
    } catch (error) {
      damaged.push(`${listed.id}: ${message(error)}`);
      await emptyDirectory(root);
      const older = indexes[position + 1];
      log.error(
        { index: listed.id },
        `FILES INDEX ${listed.id} CANNOT BE RESTORED: ${message(error)}; ${older ? `falling back to the older index ${older.id}` : 'no older index is left'}`,
      );
    }
  }
  throw catalogError('RV_RESTORE_FAILED', 'noFilesIndex', { root, failures: damaged });
}
