// The whole life of state with the local-directory store, through `rolevisor run` as a real
// process (roles sql:redis): the backup at SIGTERM, a fresh container restored from it,
// `rolevisor backup` / `generations` / `restore`, a SIGKILL in the middle of a backup,
// local data kept, retention, and a damaged part that makes the restore fall back.
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FsStore } from '../../../src/store/fs-store.js';
import { scanGenerations } from '../../../src/generations/scan.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';
import { runCli, type RolevisorProcess } from '../../helpers/rolevisor-process.js';
import {
  boot,
  committed,
  DBPASSWORD,
  newCycle,
  read,
  stopOrphans,
  wipe,
  withDb,
  write,
  type Cycle,
} from '../../helpers/backup-cycle.js';

describe('backup and restore through rolevisor run — local store', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let cycle: Cycle;
  let rv: RolevisorProcess | undefined;
  let store: FsStore;
  const generations: string[] = [];
  const completeIds = async () => (await scanGenerations(store)).complete.map((g) => g.id);

  beforeAll(async () => {
    home = await tempHome();
    cycle = await newCycle(home.dir, { BACKUPKEEP: '2', DABACKUPDAYS: '0' });
    store = new FsStore({ root: join(home.dir, 'backup'), log: memoryLogger().log });
  });

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) {
      await rv.stop('SIGKILL');
      await stopOrphans(rv);
    }
    await home.cleanup();
  });

  const stop = async () => {
    const result = await rv!.stop('SIGTERM');
    expect(result.exitCode).toBe(0);
    return rv!;
  };

  test('SIGTERM backs up; a fresh container restores the same data and names the generation', async () => {
    rv = await boot(cycle);
    expect(await store.getText('config.yml')).toContain('docassemble');
    await write(cycle, 'a', 100);
    const stopped = await stop();
    const line = committed(stopped, 'stop');
    expect(line).toBeDefined();
    generations.push(line!.generation as string);
    expect(await completeIds()).toEqual([generations[0]]);

    await wipe(cycle);
    rv = await boot(cycle);
    expect(rv.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^restored PostgreSQL from generation ${generations[0]}`)),
        expect.stringMatching(new RegExp(`^restored Redis from generation ${generations[0]}`)),
      ]),
    );
    expect(await read(cycle)).toEqual({ rows: { a: 100 }, keys: { 'tag:a': '100' } });
    // DBUSER owns what it owned before.
    const owner = await withDb(
      cycle,
      async (c) => (await c.query("SELECT tableowner FROM pg_tables WHERE tablename = 'items'")).rows[0],
    );
    expect(owner).toEqual({ tableowner: 'docassemble' });
    expect(JSON.stringify(rv.lines)).not.toContain(DBPASSWORD);
  });

  test('rolevisor backup, then generations as a table, as JSON and verified', async () => {
    await write(cycle, 'b', 50);
    const backup = await runCli(['backup'], cycle.env);
    expect(backup.stderr).toBe('');
    expect(backup.exitCode).toBe(0);
    const match = /^generation (\S+): [\d.]+ \S+ in [\d.]+ s$/.exec(backup.stdout.trim());
    expect(match).not.toBeNull();
    generations.push(match![1]);

    const table = await runCli(['generations'], cycle.env);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^ID +TIME +HOST +SIZE +PARTS +VERIFIED$/m);
    expect(table.stdout).toMatch(new RegExp(`^${generations[1]} .* 2 +sizes ok$`, 'm'));
    const json = JSON.parse((await runCli(['generations', '--json'], cycle.env)).stdout) as {
      generations: { id: string; parts: { name: string }[] }[];
    };
    expect(json.generations.map((g) => g.id)).toEqual([generations[1], generations[0]]);
    expect(json.generations[0].parts.map((p) => p.name).sort()).toEqual([
      'postgres.docassemble.dump.zst',
      'redis.rdb.zst',
    ]);
    const verified = await runCli(['generations', '--verify'], cycle.env);
    expect(verified.exitCode).toBe(0);
    expect(verified.stdout.match(/sha256 ok/g)).toHaveLength(2);
  });

  test('a SIGKILL during a backup leaves no generation without a manifest; the next boot restores the last complete one', async () => {
    // Enough data that the dump takes a moment.
    await withDb(cycle, (c) =>
      c.query(
        'CREATE TABLE big AS SELECT g AS id, repeat(md5(random()::text), 16) AS body FROM generate_series(1, 100000) g',
      ),
    );
    const from = rv!.lines.length;
    const cli = runCli(['backup'], cycle.env);
    await rv!.waitFor(
      (l) => rv!.lines.indexOf(l) >= from && /^dumping \d+ PostgreSQL database/.test(l.msg),
      30_000,
      'the backup to start',
    );
    const started = rv!.lines.slice(from).find((l) => /^backup \S+ started$/.test(l.msg))!.generation as string;
    await rv!.stop('SIGKILL');
    await stopOrphans(rv!);
    expect((await cli).exitCode).not.toBe(0);
    const scan = await scanGenerations(store);
    expect(scan.complete.map((g) => g.id)).toEqual([generations[1], generations[0]]);
    expect(scan.complete.map((g) => g.id)).not.toContain(started);

    await wipe(cycle);
    rv = await boot(cycle);
    expect(rv.lines.some((l) => new RegExp(`^restored PostgreSQL from generation ${generations[1]}`).test(l.msg))).toBe(
      true,
    );
    expect(await read(cycle)).toEqual({ rows: { a: 100, b: 50 }, keys: { 'tag:a': '100', 'tag:b': '50' } });
    expect(await withDb(cycle, async (c) => (await c.query("SELECT to_regclass('big') AS t")).rows[0].t)).toBeNull();
  });

  test('local data is kept, not restored over; config.yml from the store wins; retention keeps BACKUPKEEP', async () => {
    const stopped = await stop();
    generations.push(committed(stopped, 'stop')!.generation as string);
    // BACKUPKEEP=2: the oldest is gone.
    expect(await completeIds()).toEqual([generations[2], generations[1]]);
    await store.putText('config.yml', `${await store.getText('config.yml')}from store: true\n`);

    rv = await boot(cycle);
    const messages = rv.lines.map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PostgreSQL has local data in .*: keeping it/),
        expect.stringMatching(/^Redis has local data in .*: keeping it/),
      ]),
    );
    expect(messages.some((m) => /^restored /.test(m))).toBe(false);
    expect(await read(cycle)).toEqual({ rows: { a: 100, b: 50 }, keys: { 'tag:a': '100', 'tag:b': '50' } });
    expect(await readFile(join(home.dir, 'config', 'config.yml'), 'utf8')).toContain('from store: true');
  });

  test('a damaged part in the newest generation: the previous one is restored, Redis from the same one, and the log says why', async () => {
    await write(cycle, 'c', 25);
    const stopped = await stop();
    const newest = committed(stopped, 'stop')!.generation as string;
    generations.push(newest);
    const part = join(home.dir, 'backup', 'generations', newest, 'postgres.docassemble.dump.zst');
    const size = (await stat(part)).size;
    const file = await open(part, 'r+');
    await file.write(Buffer.from('garbage!'.repeat(8)), 0, 64, Math.floor(size / 2));
    await file.close();

    await wipe(cycle);
    rv = await boot(cycle);
    const messages = rv.lines.map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^POSTGRESQL IN GENERATION ${newest} IS DAMAGED: .*sha256 mismatch.*; falling back to generation ${generations[2]}, and the host's other state with it`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^the host's point in time is \\S+ \\(PostgreSQL's state after its restore from generation ${generations[2]}\\)`,
          ),
        ),
        expect.stringMatching(new RegExp(`^restored PostgreSQL from generation ${generations[2]}`)),
        // One point in time: Redis from the generation PostgreSQL fell back to, not the damaged newest one.
        expect.stringMatching(new RegExp(`^restored Redis from generation ${generations[2]}`)),
      ]),
    );
    expect(messages.some((m) => new RegExp(`^restored Redis from generation ${newest}`).test(m))).toBe(false);
    expect(await read(cycle)).toEqual({ rows: { a: 100, b: 50 }, keys: { 'tag:a': '100', 'tag:b': '50' } });
  });

  test('rolevisor restore: refuses while running or over data, restores a generation offline', async () => {
    const running = await runCli(['restore', '--generation', generations[3]], cycle.env);
    expect(running.exitCode).toBe(76);
    expect(running.stderr).toMatch(/RV_RESTORE_FAILED: a rolevisor instance \(pid \d+\) is running/);
    const newest = committed(await stop(), 'stop')!.generation as string;
    const overData = await runCli(['restore', '--generation', newest], cycle.env);
    expect(overData.exitCode).toBe(76);
    expect(overData.stderr).toMatch(/data directory .* is not empty/);

    await wipe(cycle);
    const restored = await runCli(['restore', '--generation', newest], cycle.env);
    expect(restored.exitCode).toBe(0);
    expect(restored.stdout).toMatch(new RegExp(`restored postgres and redis from generation ${newest}`));
    rv = await boot(cycle);
    expect(rv.lines.some((l) => /^PostgreSQL has local data/.test(l.msg))).toBe(true);
    // The host as restored at the last boot: both from the generation before the damaged one.
    expect(await read(cycle)).toEqual({ rows: { a: 100, b: 50 }, keys: { 'tag:a': '100', 'tag:b': '50' } });
    await stop();
  });
});
