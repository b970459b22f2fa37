// A base backup from another PostgreSQL major version than the installed one (the image will
// move off 15 one day): the restore takes the newest logical dump instead and says, in one
// warning line, what time it brings back; Redis comes from that same point in time. With no
// logical dump in the store: one line and exit 76 (RV_RESTORE_FAILED). Only PostgreSQL 15 is
// installed here, so the store's base backup manifest is rewritten to record 14 (the manifest
// holds no digest of itself; the parts' digests stay as they are).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanGenerations } from '../../../src/generations/scan.js';
import { FsStore } from '../../../src/store/fs-store.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';
import { RolevisorProcess } from '../../helpers/rolevisor-process.js';
import { boot, committed, newCycle, read, wipe, write, type Cycle } from '../../helpers/backup-cycle.js';

describe('a base backup from another PostgreSQL major version', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let cycle: Cycle;
  let rv: RolevisorProcess | undefined;
  let store: FsStore;
  let dumpGeneration: string;
  let baseGeneration: string;

  beforeAll(async () => {
    home = await tempHome();
    cycle = await newCycle(home.dir, {});
    store = new FsStore({ root: join(home.dir, 'backup'), log: memoryLogger().log });
  });

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) await rv.stop('SIGKILL');
    await home.cleanup();
  });

  it('restores the newest logical dump instead, with one warning naming its time', async () => {
    // A generation of logical dumps (and Redis), then continuous archiving with a base backup.
    rv = await boot(cycle);
    await write(cycle, 'a', 10);
    let stopped = await rv.stop();
    expect(stopped.exitCode).toBe(0);
    dumpGeneration = committed(rv, 'stop')!.generation as string;
    const archiving = { ...cycle.env, ARCHIVESECONDS: '5' };
    rv = new RolevisorProcess(['run'], archiving);
    await rv.ready(120_000);
    await rv.waitForMessage(/^backup \S+ committed/, 120_000);
    await write(cycle, 'b', 5);
    stopped = await rv.stop();
    expect(stopped.exitCode).toBe(0);
    const base = (await scanGenerations(store)).complete.find((g) => g.manifest.wal)!;
    baseGeneration = base.id;
    const manifestFile = join(home.dir, 'backup', 'generations', baseGeneration, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { versions: Record<string, string> };
    expect(manifest.versions['postgres-base']).toMatch(/^15\./);
    manifest.versions['postgres-base'] = '14.11';
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);

    await wipe(cycle);
    rv = new RolevisorProcess(['run'], archiving);
    await rv.ready(120_000);
    const dumpTime = (await scanGenerations(store)).complete.find((g) => g.id === dumpGeneration)!.time.toISOString();
    const warnings = rv.lines.filter((l) => l.level === 'warn' && /PostgreSQL 14/.test(l.msg)).map((l) => l.msg);
    expect(warnings).toEqual([
      `the base backup of generation ${baseGeneration} is from PostgreSQL 14 and this host runs PostgreSQL 15: restoring PostgreSQL from the newest logical dump instead (generation ${dumpGeneration}), which brings back its state as of ${dumpTime}; later changes are not restored`,
    ]);
    // PostgreSQL and Redis both as of the dump's generation: b was written after it.
    expect(await read(cycle)).toEqual({ rows: { a: 10 }, keys: { 'tag:a': '10' } });
    // The new cluster's WAL starts past every name the old one archived (else the archiver
    // refuses its segments), and it gets a base backup of its own at once: archiving works.
    const walStart = rv.lines.find((l) => /^the store holds WAL of an earlier cluster/.test(l.msg));
    expect(walStart).toBeDefined();
    await rv.waitForMessage(/^the store holds no base backup of PostgreSQL that this host can restore yet/, 60_000);
    await rv.waitForMessage(/^backup \S+ committed/, 120_000);
    await write(cycle, 'c', 3);
    expect((await rv.stop()).exitCode).toBe(0);
    expect(rv.lines.some((l) => /another cluster archives into this store/.test(l.msg))).toBe(false);

    // A new host restores the new cluster's base backup and replays its WAL: every row is back.
    await wipe(cycle);
    rv = new RolevisorProcess(['run'], archiving);
    await rv.ready(120_000);
    expect(rv.lines.some((l) => /^restored PostgreSQL from base backup /.test(l.msg))).toBe(true);
    expect((await read(cycle)).rows).toEqual({ a: 10, c: 3 });
    await rv.stop();
  }, 900_000);

  it('without a logical dump: one line and exit 76', async () => {
    // Only the foreign base backup (and the WAL): every other generation goes.
    for (const g of (await scanGenerations(store)).complete)
      if (g.id !== baseGeneration) await rm(join(home.dir, 'backup', 'generations', g.id), { recursive: true });
    await wipe(cycle);
    rv = new RolevisorProcess(['run'], { ...cycle.env, ARCHIVESECONDS: '5' });
    const code = await rv.exit();
    expect(code).toBe(76);
    const said = `the base backup of generation ${baseGeneration} is from PostgreSQL 14 and this host runs PostgreSQL 15, and the store holds no logical dump to restore PostgreSQL from instead: install that major version's packages to restore its base backup, or restore a logical dump taken by it`;
    expect(rv.lines.filter((l) => String(l.msg).includes(said)).length).toBeGreaterThan(0);
    expect(rv.lines.some((l) => /^\s+at /.test(String(l.msg)))).toBe(false); // no stack trace
    expect(rv.lines.some((l) => /^started postgres$/.test(String(l.msg)))).toBe(false);
  }, 300_000);
});
