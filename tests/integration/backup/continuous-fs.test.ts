// PostgreSQL's continuous archiving through `rolevisor run` (roles sql:redis, local store):
// a base backup at the first boot, WAL in the store within ARCHIVESECONDS, a host killed
// without warning (SIGKILL of rolevisor and every child) restored on an empty disk from the
// base backup + WAL with at most ARCHIVESECONDS of acknowledged commits lost, and a stop
// that only flushes the tail (no dump) yet loses nothing.
import { join } from 'node:path';
import pg from 'pg';
import { FsStore } from '../../../src/store/fs-store.js';
import { scanGenerations } from '../../../src/generations/scan.js';
import { listWal } from '../../../src/backup/wal/restore-base.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';
import { runCli, type RolevisorProcess } from '../../helpers/rolevisor-process.js';
import { boot, DBPASSWORD, newCycle, read, wipe, withDb, write, type Cycle } from '../../helpers/backup-cycle.js';

/** SIGKILL of rolevisor and of every process group it started: the host is gone at once. */
async function killHost(rv: RolevisorProcess): Promise<void> {
  const groups = rv.lines.filter((l) => /^started \S+$/.test(l.msg) && typeof l.pid === 'number');
  rv.child.kill('SIGKILL');
  for (const line of groups) {
    try {
      process.kill(-(line.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rv.child;
  for (const line of groups) {
    for (let i = 0; i < 100; i += 1) {
      try {
        process.kill(line.pid as number, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('continuous archiving through rolevisor run — local store', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let cycle: Cycle;
  let rv: RolevisorProcess | undefined;
  let store: FsStore;

  beforeAll(async () => {
    home = await tempHome();
    cycle = await newCycle(home.dir, {});
    delete cycle.env.ARCHIVESECONDS; // the default

    store = new FsStore({ root: join(home.dir, 'backup'), log: memoryLogger().log });
  });

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) await killHost(rv);
    await home.cleanup();
  });

  it('takes a base backup at the first boot and archives WAL into the store', async () => {
    rv = await boot(cycle);
    await rv.waitForMessage(/^base backup stored/, 120_000);
    await rv.waitForMessage(/^backup \S+ committed/, 60_000);
    const scan = await scanGenerations(store);
    const base = scan.complete.find((g) => g.manifest.wal);
    expect(base?.manifest.format).toBe(2);
    expect(base?.manifest.parts.map((p) => p.name)).toEqual(['postgres.base.tar.zst']);
    await write(cycle, 'a', 100);
    const deadline = Date.now() + 30_000;
    while ((await listWal(store)).filter((w) => w.segno > 0).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    const wal = await listWal(store);
    expect(wal.length).toBeGreaterThanOrEqual(2);
    // An idle-ish 16 MiB segment compresses to almost nothing.
    expect(Math.min(...wal.map((w) => w.size))).toBeLessThan(1024 * 1024);
  }, 300_000);

  it('a host killed without warning under steady commits loses at most ARCHIVESECONDS of them', async () => {
    await withDb(cycle, (c) =>
      c.query('CREATE TABLE ticks (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())'),
    );
    const writer = new pg.Client({
      host: '127.0.0.1',
      port: cycle.ports.db,
      user: 'docassemble',
      password: DBPASSWORD,
      database: 'docassemble',
    });
    writer.on('error', () => undefined);
    await writer.connect();
    let lastAcked: { id: number; at: number } | undefined;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        try {
          const row = (await writer.query<{ id: number }>('INSERT INTO ticks DEFAULT VALUES RETURNING id')).rows[0];
          lastAcked = { id: row.id, at: Date.now() };
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 12_000));
    await killHost(rv!);
    const killedAt = Date.now();
    stop = true;
    await loop;
    await writer.end().catch(() => undefined);
    expect(lastAcked).toBeDefined();

    await wipe(cycle);
    rv = await boot(cycle);
    expect(rv.lines.some((l) => /^restored PostgreSQL from base backup/.test(l.msg))).toBe(true);
    const { rows } = await read(cycle);
    expect(rows.a).toBe(100);
    const newest = await withDb(cycle, async (c) => {
      const r = await c.query<{ id: number; at: Date }>('SELECT id, at FROM ticks ORDER BY id DESC LIMIT 1');
      return r.rows[0];
    });
    const lostMs = lastAcked!.at - newest.at.getTime();

    console.log(
      `killed at ${killedAt}; last acknowledged #${lastAcked!.id}, restored up to #${newest.id}: ${lostMs} ms lost`,
    );
    expect(lostMs).toBeLessThanOrEqual(5000);
  }, 400_000);

  it('the stop flushes the tail, takes no dump, and a new host gets every commit', async () => {
    await write(cycle, 'b', 7);
    const result = await rv!.stop();
    expect(result.exitCode).toBe(0);
    expect(rv!.lines.some((l) => /^the last WAL segment \S+ is in the store/.test(l.msg))).toBe(true);
    expect(rv!.lines.some((l) => /^dumping/.test(l.msg) || /^base backup stored/.test(l.msg))).toBe(false);
    await wipe(cycle);
    rv = await boot(cycle);
    const { rows } = await read(cycle);
    expect(rows).toEqual(expect.objectContaining({ a: 100, b: 7 }));
  }, 400_000);

  it('rolevisor restore --time brings back a dropped table', async () => {
    await withDb(cycle, async (c) => {
      await c.query('CREATE TABLE precious (id int PRIMARY KEY)');
      await c.query('INSERT INTO precious SELECT generate_series(1, 50)');
    });
    await new Promise((r) => setTimeout(r, 1500));
    const noted = new Date();
    await new Promise((r) => setTimeout(r, 1500));
    await withDb(cycle, (c) => c.query('DROP TABLE precious'));
    expect((await rv!.stop()).exitCode).toBe(0);
    await wipe(cycle);
    const restore = await runCli(['restore', '--time', noted.toISOString()], cycle.env);
    expect({ code: restore.exitCode, stderr: restore.stderr }).toEqual({ code: 0, stderr: '' });
    rv = await boot(cycle);
    const count = await withDb(
      cycle,
      async (c) => (await c.query<{ n: string }>('SELECT count(*) AS n FROM precious')).rows[0].n,
    );
    expect(Number(count)).toBe(50);
    const { rows } = await read(cycle);
    expect(rows).toEqual(expect.objectContaining({ a: 100, b: 7 }));
    expect((await rv.stop()).exitCode).toBe(0);
  }, 400_000);

  it('rejects a --time that is not ISO 8601 with a usage error', async () => {
    const result = await runCli(['restore', '--time', 'yesterday'], cycle.env);
    expect(result.exitCode).toBe(64);
    expect(String(result.stderr)).toMatch(/--time "yesterday" is not an ISO 8601 time/);
  }, 60_000);
});
