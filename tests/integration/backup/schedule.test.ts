// Scheduled backups while running (BACKUPSCHEDULE, croner with a seconds field here), one at
// a time, each followed by retention; status and metrics show the last and the next one.
import { join } from 'node:path';
import { FsStore } from '../../../src/store/fs-store.js';
import { scanGenerations } from '../../../src/generations/scan.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';
import { runCli, type RolevisorProcess } from '../../helpers/rolevisor-process.js';
import { boot, newCycle, stopOrphans, type Cycle } from '../../helpers/backup-cycle.js';

describe('scheduled backups', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let cycle: Cycle;
  let rv: RolevisorProcess | undefined;

  beforeAll(async () => {
    home = await tempHome();
    cycle = await newCycle(home.dir, {
      BACKUPSCHEDULE: '*/3 * * * * *',
      BACKUPKEEP: '2',
      DABACKUPDAYS: '0',
      TIMEZONE: 'Europe/Paris',
    });
  });

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) {
      await rv.stop('SIGKILL');
      await stopOrphans(rv);
    }
    await home.cleanup();
  });

  test('every tick writes a generation, one at a time; retention keeps BACKUPKEEP; status and metrics show them', async () => {
    rv = await boot(cycle);
    const scheduled = () => rv!.lines.filter((l) => /^backup \S+ committed \(schedule\)/.test(l.msg));
    await rv.waitFor(() => scheduled().length >= 3, 30_000, 'three scheduled backups');
    // One at a time: each started only after the previous one was committed.
    const events = rv.lines
      .filter((l) => /^backup \S+ (started|committed)/.test(l.msg))
      .map((l) => (/started$/.test(l.msg) ? 'start' : 'commit'));
    for (let i = 1; i < events.length; i += 1) expect(`${events[i - 1]}→${events[i]}`).not.toBe('start→start');

    const status = await runCli(['status', '--json'], cycle.env);
    const snapshot = JSON.parse(status.stdout) as {
      lastBackup: { trigger: string; ok: boolean };
      nextBackupAt: number;
    };
    expect(snapshot.lastBackup).toEqual(expect.objectContaining({ trigger: 'schedule', ok: true }));
    expect(snapshot.nextBackupAt - Date.now()).toBeLessThanOrEqual(3500);
    const metrics = await (await fetch(`http://127.0.0.1:${cycle.env.STATUSPORT}/metrics`)).text();
    expect(metrics).toMatch(/^rolevisor_backup_last_success 1$/m);
    expect(metrics).toMatch(/^rolevisor_backup_failures 0$/m);

    expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
    const store = new FsStore({ root: join(home.dir, 'backup'), log: memoryLogger().log });
    const complete = (await scanGenerations(store)).complete.map((g) => g.id);
    expect(complete).toHaveLength(2);
    // The newest is the one written at the stop.
    expect(complete[0]).toBe(rv.lines.find((l) => /^backup \S+ committed \(stop\)/.test(l.msg))?.generation);
  });
});
