// The application files' continuous sync with the local-directory store: only new and
// changed content uploaded (by sha256), deletions recorded, nothing while idle, symbolic
// links never followed; restore of the tree at or before a time into an empty directory;
// a damaged object or a tampered index detected with a loud fallback; retention.
import { chmod, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  fileIndexKey,
  fileObjectKey,
  listFileObjects,
  listIndexes,
  readIndex,
} from '../../../../src/backup/files/layout.js';
import { restoreFiles } from '../../../../src/backup/files/restore.js';
import { hashFile } from '../../../../src/backup/files/scan.js';
import { FilesSync } from '../../../../src/backup/files/sync.js';
import { FsStore } from '../../../../src/store/fs-store.js';
import { memoryLogger, tempHome } from '../../../helpers/env.js';

describe('continuous files sync', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let store: FsStore;
  let root: string;
  const logger = memoryLogger();
  const objectPath = (sha: string) => join(store.root, ...fileObjectKey(sha).split('/'));
  const times: Date[] = [];
  let sync: FilesSync;

  beforeAll(async () => {
    home = await tempHome();
    store = new FsStore({ root: join(home.dir, 'store'), log: logger.log });
    await store.check();
    root = join(home.dir, 'files');
    await mkdir(join(root, 'uploads', '2026'), { recursive: true });
    await writeFile(join(root, 'a.txt'), 'alpha');
    await writeFile(join(root, 'uploads', '2026', 'form.pdf'), Buffer.alloc(300_000, 7));
    await writeFile(join(root, 'copy-of-a.txt'), 'alpha');
    await chmod(join(root, 'a.txt'), 0o640);
    await writeFile(join(home.dir, 'outside.txt'), 'secret outside FILESDIR');
    await symlink(join(home.dir, 'outside.txt'), join(root, 'link-to-file'));
    await symlink(home.dir, join(root, 'link-to-dir'));
    sync = new FilesSync({ store, root, log: logger.log, intervalSec: 1, host: 'test' });
  });
  afterAll(async () => {
    sync.close();
    await home.cleanup();
  });

  test('the first sync uploads each content once and lists regular files only', async () => {
    const result = await sync.sync();
    expect(result).toMatchObject({ uploaded: 2, pending: 0 });
    expect(result.index).toBeDefined();
    const index = await readIndex(store, result.index!);
    expect(index.files.map((f) => f.path)).toEqual(['a.txt', 'copy-of-a.txt', 'uploads/2026/form.pdf']);
    expect(index.files[0]).toMatchObject({
      size: 5,
      mode: 0o640,
      sha256: (await hashFile(join(root, 'a.txt'))).sha256,
    });
    expect((await listFileObjects(store)).size).toBe(2);
    expect(sync.status()).toMatchObject({ files: 3, pendingFiles: 0, lagSeconds: 0, objectsUploaded: 2 });
    times.push(new Date());
  });

  test('idle: no object and no index', async () => {
    const before = (await listIndexes(store)).length;
    expect(await sync.sync()).toEqual({ uploaded: 0, uploadedBytes: 0, index: undefined, pending: 0 });
    expect(await sync.sync()).toMatchObject({ uploaded: 0, index: undefined });
    expect((await listIndexes(store)).length).toBe(before);
  });

  test('a change uploads only the new content; a deletion is recorded', async () => {
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(root, 'a.txt'), 'alpha, edited');
    await writeFile(join(root, 'uploads', 'new.docx'), 'new file');
    const changed = await sync.sync();
    expect(changed).toMatchObject({ uploaded: 2, pending: 0 });
    times.push(new Date());

    await rm(join(root, 'copy-of-a.txt'));
    const removed = await sync.sync();
    expect(removed.uploaded).toBe(0);
    const index = await readIndex(store, removed.index!);
    expect(index.files.map((f) => f.path)).toEqual(['a.txt', 'uploads/2026/form.pdf', 'uploads/new.docx']);
    times.push(new Date());
  });

  test('restore at or before a time brings that tree back, symbolic links not followed', async () => {
    const target = join(home.dir, 'restored-0');
    const first = await restoreFiles(store, target, { log: logger.log, target: times[0] });
    expect(first?.files).toBe(3);
    expect(await readFile(join(target, 'a.txt'), 'utf8')).toBe('alpha');
    expect(await readFile(join(target, 'copy-of-a.txt'), 'utf8')).toBe('alpha');
    expect((await stat(join(target, 'a.txt'))).mode & 0o777).toBe(0o640);
    expect((await readdir(target)).sort()).toEqual(['a.txt', 'copy-of-a.txt', 'uploads']);

    const latest = join(home.dir, 'restored-latest');
    await restoreFiles(store, latest, { log: logger.log });
    expect(await readFile(join(latest, 'a.txt'), 'utf8')).toBe('alpha, edited');
    expect((await readdir(latest)).sort()).toEqual(['a.txt', 'uploads']);
    expect((await hashFile(join(latest, 'uploads', '2026', 'form.pdf'))).sha256).toBe(
      (await hashFile(join(root, 'uploads', '2026', 'form.pdf'))).sha256,
    );
    expect(await restoreFiles(store, join(home.dir, 'none'), { log: logger.log, target: new Date(0) })).toBeUndefined();
  });

  test('a damaged object: detected, the older index used, loudly', async () => {
    const newest = (await listIndexes(store))[0];
    const docx = (await readIndex(store, newest.id)).files.find((f) => f.path === 'uploads/new.docx')!;
    await writeFile(objectPath(docx.sha256), 'new filf'); // same size, other bytes
    const target = join(home.dir, 'restored-damaged');
    const restored = await restoreFiles(store, target, { log: logger.log });
    expect(restored?.damaged[0]).toMatch(/sha256 mismatch/);
    expect(restored?.id).not.toBe(newest.id);
    expect(
      logger
        .lines()
        .some((l) => l.level === 'error' && String(l.msg).startsWith(`FILES INDEX ${newest.id} CANNOT BE RESTORED`)),
    ).toBe(true);
    // Not a mix: the older index's tree exactly (it had no new.docx and the old a.txt).
    expect(await readdir(join(target, 'uploads'))).toEqual(['2026']);
    await writeFile(objectPath(docx.sha256), 'new file');
  });

  test('an index naming a path outside the directory is refused', async () => {
    const newest = (await listIndexes(store))[0];
    const key = fileIndexKey(newest.id);
    const path = join(store.root, ...key.split('/'));
    const original = await readFile(path);
    const index = JSON.parse(gunzipSync(original).toString()) as { files: { path: string }[] };
    index.files[0].path = '../escaped.txt';
    await writeFile(path, gzipSync(JSON.stringify(index)));
    const target = join(home.dir, 'restored-tampered');
    const restored = await restoreFiles(store, target, { log: logger.log });
    expect(restored?.damaged[0]).toMatch(/"\.\.\/escaped\.txt".*"\.\." segment/);
    await expect(stat(join(home.dir, 'escaped.txt'))).rejects.toThrow(/ENOENT/);
    await writeFile(path, original);
  });

  test('retention keeps the indexes a kept point in time needs and the objects they list', async () => {
    const all = await listIndexes(store); // 3, newest first
    const keepFrom = new Date(all[1].time.getTime() + 1);
    const deleted = await sync.prune(keepFrom);
    expect(deleted.indexes).toEqual([all[2].id]);
    expect(deleted.objects).toEqual([]); // the old a.txt is younger than an hour
    const { pruneFiles } = await import('../../../../src/backup/files/prune.js');
    // Kept from after the newest: only it stays, and 'alpha' (a.txt before, copy-of-a.txt) goes.
    const later = await pruneFiles(store, { keepFrom: new Date(), log: logger.log, objectMinAgeMs: 0 });
    expect(later.indexes).toEqual([all[1].id]);
    expect(later.objects).toHaveLength(1);
    expect((await listIndexes(store)).map((i) => i.id)).toEqual([all[0].id]);
    const restored = join(home.dir, 'restored-after-prune');
    expect((await restoreFiles(store, restored, { log: logger.log }))?.files).toBe(3);
  });
});
