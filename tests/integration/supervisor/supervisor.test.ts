// The supervisor with real processes: dependency order, restarts, fatal failures, ordered
import { jest } from '@jest/globals';
// stop inside a deadline.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Child } from '../../../src/supervisor/child.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import type { PlannedService } from '../../../src/roles/plan.js';
import { freePort, memoryLogger, tempHome } from '../../helpers/env.js';
import { toyPlan, toyService } from '../../helpers/toy-service.js';

const fastBackoff = { baseMs: 50, capMs: 200, jitter: 0 };

async function journalOf(path: string): Promise<{ t: number; name: string; event: string }[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, name, event] = l.split(' ');
      return { t: Number(t), name: name, event: event };
    });
}

const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Supervisor with real processes', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let journal: string;
  beforeEach(async () => {
    home = await tempHome();
    journal = join(home.dir, 'journal');
  });
  afterEach(async () => home.cleanup());

  async function make(
    specs: { plan: PlannedService; env?: Record<string, string>; stopSignal?: NodeJS.Signals }[],
    onFatal = jest.fn(),
  ) {
    const { log, lines } = memoryLogger();
    const children: Child[] = [];
    for (const spec of specs) {
      const service = toyService({
        name: spec.plan.name,
        port: await freePort(),
        journal,
        env: spec.env,
        stopSignal: spec.stopSignal,
      });
      children.push(
        new Child(spec.plan, service, undefined, log.child({ service: spec.plan.name }), { onFatal }, fastBackoff),
      );
    }
    return { supervisor: new Supervisor(children, log), children, lines, onFatal };
  }

  test('starts each service after its dependencies are ready and stops in reverse order', async () => {
    const { supervisor, lines } = await make([
      { plan: toyPlan('web', { dependsOn: ['db'], front: true }) },
      { plan: toyPlan('db'), env: { TOY_START_DELAY_MS: '400' } },
      { plan: toyPlan('cache') },
    ]);
    await supervisor.start();
    expect(supervisor.allReady()).toBe(true);
    const started = await journalOf(journal);
    const dbListening = started.find((e) => e.name === 'db' && e.event === 'listening')!;
    const webListening = started.find((e) => e.name === 'web' && e.event === 'listening')!;
    expect(webListening.t).toBeGreaterThanOrEqual(dbListening.t);

    const order: string[] = [];
    await supervisor.stop({
      deadline: Date.now() + 10_000,
      betweenPhases: async () => {
        order.push('between');
      },
    });
    const events = (await journalOf(journal)).filter((e) => e.event === 'term').map((e) => e.name);
    expect(events.indexOf('web')).toBeLessThan(events.indexOf('db'));
    expect(order).toEqual(['between']);
    expect(supervisor.status().every((s) => s.state === 'stopped')).toBe(true);
    // Child output went into the log with the service's name and a guessed level.
    expect(
      lines().some((l) => l.service === 'db' && l.level === 'warn' && String(l.msg).includes('WARNING this is a toy')),
    ).toBe(true);
  });

  test('starts_with: a service starts alongside its dependency, still stops before it, and start() waits for both', async () => {
    const { supervisor } = await make([
      { plan: toyPlan('worker', { dependsOn: ['broker'], startsWith: ['broker'], front: true }) },
      { plan: toyPlan('broker'), env: { TOY_START_DELAY_MS: '1500' } },
    ]);
    await supervisor.start();
    expect(supervisor.allReady()).toBe(true);
    const events = await journalOf(journal);
    const brokerListening = events.find((e) => e.name === 'broker' && e.event === 'listening')!;
    const workerListening = events.find((e) => e.name === 'worker' && e.event === 'listening')!;
    // The worker did not wait for the broker's readiness (1.5 s of start delay).
    expect(workerListening.t).toBeLessThan(brokerListening.t);
    await supervisor.stop({ deadline: Date.now() + 10_000 });
    const terms = (await journalOf(journal)).filter((e) => e.event === 'term').map((e) => e.name);
    expect(terms.indexOf('worker')).toBeLessThan(terms.indexOf('broker'));
  });

  test('a killed child is restarted and becomes ready again', async () => {
    const { supervisor, children } = await make([{ plan: toyPlan('db') }]);
    await supervisor.start();
    const db = children[0];
    const firstPid = db.status().pid!;
    process.kill(firstPid, 'SIGKILL');
    await until(() => db.status().restarts === 1 && db.isReady);
    expect(db.status().pid).not.toBe(firstPid);
    expect(db.status().lastExit?.signal).toBe('SIGKILL');
    await supervisor.stop({ deadline: Date.now() + 10_000 });
    expect(alive(db.status().pid)).toBe(false);
  });

  test('a critical service that keeps failing is fatal', async () => {
    const onFatal = jest.fn();
    const { supervisor } = await make(
      [{ plan: toyPlan('db', { restart_limit: 2, ready_timeout: 5 }), env: { TOY_CRASH: '1' } }],
      onFatal,
    );
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'RV_SERVICE_FAILED' });
    expect(onFatal).toHaveBeenCalledTimes(1);
    expect(String(onFatal.mock.calls[0][1])).toMatch(/db exited 3 times within 60 s \(limit 2\)/);
    await supervisor.stop({ deadline: Date.now() + 5000 });
  });

  test('a service that is never ready fails the boot with a message naming it', async () => {
    const { supervisor } = await make([
      { plan: toyPlan('slow', { ready_timeout: 1 }), env: { TOY_START_DELAY_MS: '5000' } },
    ]);
    await expect(supervisor.start()).rejects.toMatchObject({
      code: 'RV_SERVICE_NOT_READY',
      message: expect.stringContaining('slow was not ready after 1 s'),
    });
    await supervisor.stop({ deadline: Date.now() + 5000 });
  });

  test('a child that ignores its stop signal is killed at its stop timeout, with its group', async () => {
    const { supervisor, children } = await make([
      { plan: toyPlan('stubborn', { stop_timeout: 1 }), env: { TOY_IGNORE_TERM: '1', TOY_ORPHANS: '2' } },
    ]);
    await supervisor.start();
    const pid = children[0].status().pid!;
    const started = Date.now();
    await supervisor.stop({ deadline: Date.now() + 10_000 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    expect(alive(pid)).toBe(false);
    expect((await journalOf(journal)).some((e) => e.event === 'ignored-term')).toBe(true);
    // The sleeps it spawned were in its process group and are gone too.
    await until(() => {
      try {
        process.kill(-pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 3000);
  });

  test('the stop deadline bounds every child', async () => {
    const { supervisor } = await make([
      { plan: toyPlan('a', { stop_timeout: 30 }), env: { TOY_IGNORE_TERM: '1' } },
      { plan: toyPlan('b', { stop_timeout: 30, dependsOn: ['a'] }), env: { TOY_IGNORE_TERM: '1' } },
    ]);
    await supervisor.start();
    const started = Date.now();
    await supervisor.stop({ deadline: Date.now() + 2000 });
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
