// docassemble's uploaded files (files/ in its backup folder) land where the app keeps them —
// FILESDIR, which the files engine then keeps in the store — byte for byte, readable by the
// app's user, and are never copied over files the app already holds.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Adoption } from '../../../src/adopt/adoption.js';
import { FsStore } from '../../../src/store/fs-store.js';
import { lookupUser } from '../../../src/util/identity.js';
import { memoryLogger, tempHome, testSettings } from '../../helpers/env.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let folder: string;
const upload = 'an uploaded file\n';

beforeAll(async () => {
  home = await tempHome('rolevisor-adopt-files-');
  folder = join(home.dir, 'da-backup');
  await mkdir(join(folder, 'files', '000', '000', '001'), { recursive: true });
  await writeFile(join(folder, 'redis.rdb'), Buffer.from('REDIS0011'));
  await writeFile(join(folder, 'files', '000', '000', '001', 'upload.txt'), upload);
  await writeFile(join(folder, 'files', '000', '000', '001', 'upload.pdf'), Buffer.alloc(70_000, 7));
});
afterAll(() => home.cleanup());

const settingsFor = (name: string) =>
  testSettings({
    CONTAINERROLE: 'web',
    ROLEVISOR_HOME: join(home.dir, name),
    BACKUPDIR: join(home.dir, `${name}-store`),
    ADOPTFROM: folder,
    DBHOST: '127.0.0.1',
    REDIS: 'redis://127.0.0.1:6379',
    RABBITMQ: 'amqp://127.0.0.1:5672',
  });

test('files/ from a folder are copied into FILESDIR, owned by the app user', async () => {
  const settings = settingsFor('fresh');
  const { log, lines } = memoryLogger();
  const adoption = await Adoption.find(settings, new FsStore({ root: join(home.dir, 'fresh-store'), log }), log);
  expect(adoption).toBeDefined();
  await adoption!.copyFiles(settings);

  const dest = join(settings.web.filesDir, '000', '000', '001');
  expect(await readFile(join(dest, 'upload.txt'), 'utf8')).toBe(upload);
  expect((await readFile(join(dest, 'upload.pdf'))).equals(Buffer.alloc(70_000, 7))).toBe(true);
  const app = await lookupUser('www-data');
  expect((await stat(join(dest, 'upload.txt'))).uid).toBe(app.uid);
  expect(lines().some((l) => String(l.msg).startsWith('adopted 2 uploaded file(s)'))).toBe(true);
  expect(await readFile(join(folder, 'files', '000', '000', '001', 'upload.txt'), 'utf8')).toBe(upload);
});

test('files already in FILESDIR are never overwritten', async () => {
  const settings = settingsFor('kept');
  await mkdir(join(settings.web.filesDir, '000', '000', '001'), { recursive: true });
  await writeFile(join(settings.web.filesDir, '000', '000', '001', 'upload.txt'), 'the app wrote this\n');
  const { log, lines } = memoryLogger();
  const adoption = await Adoption.find(settings, new FsStore({ root: join(home.dir, 'kept-store'), log }), log);
  await adoption!.copyFiles(settings);
  expect(await readFile(join(settings.web.filesDir, '000', '000', '001', 'upload.txt'), 'utf8')).toBe(
    'the app wrote this\n',
  );
  expect(lines().some((l) => /already holds files/.test(String(l.msg)))).toBe(true);
});
