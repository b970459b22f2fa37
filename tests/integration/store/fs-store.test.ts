// The local-directory store against the shared contract, plus what only a directory has:
// file modes, fsync'd renames leaving no temp files, and a root that cannot be used.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FsStore } from '../../../src/store/fs-store.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';
import { describeStoreContract, failingSource } from '../../helpers/store-contract.js';

async function fsFixture() {
  const home = await tempHome('rolevisor-fs-store-');
  const store = new FsStore({ root: join(home.dir, 'backup'), log: memoryLogger().log });
  await store.check();
  return { store, root: join(home.dir, 'backup'), home: home.dir, cleanup: home.cleanup };
}

describeStoreContract('fs', fsFixture);

async function allEntries(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

describe('fs store specifics', () => {
  let fixture: Awaited<ReturnType<typeof fsFixture>>;
  beforeEach(async () => {
    fixture = await fsFixture();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  test('files are 0600 and directories 0700', async () => {
    await fixture.store.putText('generations/x/part', 'secret-ish');
    expect((await stat(join(fixture.root, 'generations/x/part'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(fixture.root, 'generations/x'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(fixture.root, 'generations'))).mode & 0o777).toBe(0o700);
    expect((await stat(fixture.root)).mode & 0o777).toBe(0o700);
  });

  test('a failed put leaves no temporary file behind; deletes prune empty directories', async () => {
    await fixture.store.putText('a/keep', 'x');
    await expect(fixture.store.put('a/b/c/fails', failingSource(2 * 1024 * 1024))).rejects.toThrow(/producer crashed/);
    expect((await allEntries(fixture.root)).filter((e) => e.includes('.rv-tmp-'))).toEqual([]);
    await fixture.store.delete('a/keep');
    expect(await allEntries(fixture.root)).toEqual([]);
  });

  test('stray temp files (a crash mid-put) are not listed', async () => {
    await mkdir(join(fixture.root, 'k'), { recursive: true });
    await writeFile(join(fixture.root, 'k', 'obj.rv-tmp-abc'), 'partial');
    expect(await fixture.store.list('')).toEqual([]);
  });

  test('check() refuses a root that is a file, naming it and BACKUPDIR', async () => {
    const file = join(fixture.home, 'not-a-dir');
    await writeFile(file, 'x');
    const store = new FsStore({ root: file, log: memoryLogger().log });
    await expect(store.check()).rejects.toMatchObject({
      code: 'RV_STORE_UNREACHABLE',
      message: expect.stringMatching(new RegExp(`local directory ${file}: .*BACKUPDIR`)),
    });
  });

  test('check() creates a missing root', async () => {
    const store = new FsStore({ root: join(fixture.home, 'new', 'backup'), log: memoryLogger().log });
    await store.check();
    expect((await stat(join(fixture.home, 'new', 'backup'))).isDirectory()).toBe(true);
  });
});
