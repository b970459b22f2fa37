// A volume that comes back with data older than the store: host A backs up, host B (a new
// container on another volume, same store) restores and backs up newer data, then A starts
// again on its old volume. A must not serve its stale data nor back it up over B's
// generation: it stops with RV_LOCAL_DATA_STALE (exit 76) and says how to go on.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempHome } from '../../helpers/env.js';
import { RolevisorProcess } from '../../helpers/rolevisor-process.js';
import { boot, committed, newCycle, read, stopOrphans, write, type Cycle } from '../../helpers/backup-cycle.js';

describe('a stale volume against a newer store', () => {
  let store: Awaited<ReturnType<typeof tempHome>>;
  let homeA: Awaited<ReturnType<typeof tempHome>>;
  let homeB: Awaited<ReturnType<typeof tempHome>>;
  let a: Cycle;
  let b: Cycle;
  let rv: RolevisorProcess | undefined;

  beforeAll(async () => {
    store = await tempHome('rolevisor-store-');
    homeA = await tempHome();
    homeB = await tempHome();
    a = await newCycle(homeA.dir, { BACKUPDIR: store.dir });
    b = { ...a, home: homeB.dir, env: { ...a.env, ROLEVISOR_HOME: homeB.dir } };
  });

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) {
      await rv.stop('SIGKILL');
      await stopOrphans(rv);
    }
    for (const h of [store, homeA, homeB]) await h.cleanup();
  });

  const stop = async (process: RolevisorProcess) => {
    expect((await process.stop('SIGTERM')).exitCode).toBe(0);
    return committed(process, 'stop')!.generation as string;
  };

  test('A refuses its old volume, names the newer generation, and starts nothing', async () => {
    rv = await boot(a);
    await write(a, 'a', 10);
    await stop(rv);

    rv = await boot(b);
    expect(await read(b)).toEqual({ rows: { a: 10 }, keys: { 'tag:a': '10' } });
    await write(b, 'b', 20);
    const newer = await stop(rv);

    const stale = new RolevisorProcess(['run'], a.env);
    expect(await stale.exit()).toBe(76);
    const last = stale.lines.at(-1)?.msg ?? '';
    expect(last).toMatch(
      new RegExp(
        `RV_LOCAL_DATA_STALE: (PostgreSQL|Redis)'s local data in ${homeA.dir}/data/\\w+ descends from generation \\S+, but the store's newest generation ${newer} `,
      ),
    );
    expect(last).toMatch(/Move .* away to restore .*delete .*\.lineage\.json/);
    expect(stale.lines.some((l) => /^started /.test(l.msg))).toBe(false);
  });

  test('moving the stale data away restores the newer generation', async () => {
    for (const dir of ['postgres', 'redis'])
      await rename(join(homeA.dir, 'data', dir), join(homeA.dir, `${dir}.stale`));
    rv = await boot(a);
    expect(await read(a)).toEqual({ rows: { a: 10, b: 20 }, keys: { 'tag:a': '10', 'tag:b': '20' } });
    await stop(rv);
  });

  test('deleting the lineage note keeps local data on purpose, and says so', async () => {
    // B's volume is now behind A's last backup; the operator decides to keep it anyway.
    for (const dir of ['postgres', 'redis']) await rm(join(homeB.dir, 'data', `${dir}.lineage.json`));
    rv = await boot(b);
    expect(
      rv.lines.some((l) =>
        /^PostgreSQL has local data in .*: keeping it \(nothing is restored over it; no record of which generation/.test(
          l.msg,
        ),
      ),
    ).toBe(true);
    await stop(rv);
  });
});
