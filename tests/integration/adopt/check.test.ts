// `rolevisor check` says, without starting or writing anything, that the store (or ADOPTFROM)
// holds a docassemble deployment and what the first boot would adopt.
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempHome } from '../../helpers/env.js';
import { runCli } from '../../helpers/rolevisor-process.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let folder: string;

beforeAll(async () => {
  home = await tempHome('rolevisor-adopt-check-');
  folder = join(home.dir, 'da-backup');
  await mkdir(join(folder, 'postgres'), { recursive: true });
  await mkdir(join(folder, 'files', '000', '000', '001'), { recursive: true });
  // The shapes are enough here: check reads names, sizes and dates, not contents.
  await writeFile(join(folder, 'postgres', 'docassemble'), Buffer.alloc(2048, 1));
  await writeFile(join(folder, 'postgres', 'shop'), Buffer.alloc(1024, 1));
  await writeFile(join(folder, 'redis.rdb'), Buffer.from('REDIS0011'));
  await writeFile(join(folder, 'config.yml'), 'secretkey: x\n');
  await writeFile(join(folder, 'files', '000', '000', '001', 'upload.txt'), 'hello\n');
});
afterAll(() => home.cleanup());

test('check names what ADOPTFROM would bring in, and writes nothing', async () => {
  const backupDir = join(home.dir, 'store-not-yet-created');
  const result = await runCli(['check'], {
    CONTAINERROLE: 'all',
    ROLEVISOR_HOME: home.dir,
    BACKUPDIR: backupDir,
    ADOPTFROM: folder,
  });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  const lines = result.stdout.split('\n');
  expect(lines).toEqual(
    expect.arrayContaining([
      `adoption:  the local directory ${folder} holds a docassemble deployment; the first boot adopts (reading only):`,
      expect.stringMatching(
        /^ {2}PostgreSQL database "docassemble" from postgres\/docassemble \(2048 bytes, written 20\d\d-/,
      ),
      expect.stringMatching(/^ {2}PostgreSQL database "shop" from postgres\/shop \(1024 bytes/),
      expect.stringMatching(/^ {2}Redis from redis\.rdb \(9 bytes/),
      expect.stringMatching(/^ {2}1 uploaded file\(s\) under files\//),
    ]),
  );
  await expect(access(backupDir)).rejects.toThrow(/ENOENT/);
  expect((await readdir(folder)).sort()).toEqual(['config.yml', 'files', 'postgres', 'redis.rdb']);
});

test('check on the docassemble folder as the store itself (BACKUPDIR) says the same', async () => {
  const result = await runCli(['check'], { CONTAINERROLE: 'all', ROLEVISOR_HOME: home.dir, BACKUPDIR: folder });
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain(`adoption:  the local directory ${folder} holds a docassemble deployment`);
});

test('check with an empty store: nothing to adopt', async () => {
  const empty = join(home.dir, 'empty');
  await mkdir(empty);
  const result = await runCli(['check'], { CONTAINERROLE: 'all', ROLEVISOR_HOME: home.dir, BACKUPDIR: empty });
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toMatch(/^adoption: {2}nothing to adopt \(the store holds no docassemble/m);
});

test('check on a docassemble env.list names each variable rolevisor does not support, in one line', async () => {
  const envFile = join(home.dir, 'docassemble.env.list');
  await writeFile(
    envFile,
    [
      'CONTAINERROLE=all',
      `ROLEVISOR_HOME=${home.dir}`,
      `BACKUPDIR=${join(home.dir, 'empty-2')}`,
      'DAWEBSERVER=apache',
      'PACKAGES=docassemble.missouri',
      'DAGOOGLEFONTS=Roboto',
      'DAEXPOSEWEBSOCKETS=true',
      'DBHOST=null',
      'DAHOSTNAME=none',
      'DASUPERVISORPASSWORD=supervisor-secret-value',
      '',
    ].join('\n'),
  );
  const result = await runCli(['check', '--env-file', envFile], {});
  expect(result.exitCode).toBe(0);
  const warnings = result.stdout.split('\n').filter((l) => /not supported by rolevisor/.test(l));
  expect(warnings).toEqual([
    expect.stringMatching(
      /^warning: {3}docassemble variables not supported by rolevisor, ignored: DAWEBSERVER, PACKAGES, DAGOOGLEFONTS, DASUPERVISORPASSWORD \(/,
    ),
  ]);
  expect(result.stdout + result.stderr).not.toContain('supervisor-secret-value');
});
