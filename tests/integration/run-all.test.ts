// The README's single-host setup, end to end: `rolevisor run` with every role on free
// ports, the demo app used through nginx, a job done by the Celery worker, then SIGTERM.
import { execa } from 'execa';
import { freePortSettings, tempHome } from '../helpers/env.js';
import { leftovers } from '../helpers/processes.js';
import { RolevisorProcess } from '../helpers/rolevisor-process.js';

describe('rolevisor run — all roles on one host', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let rv: RolevisorProcess;
  let ports: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    home = await tempHome();
    ports = await freePortSettings();
    base = `http://127.0.0.1:${ports.PORT}`;
    rv = new RolevisorProcess(['run'], {
      ROLEVISOR_HOME: home.dir,
      DBPASSWORD: 'all-roles-db-secret',
      ...ports,
    });
    await rv.ready();
  }, 300_000);

  afterAll(async () => {
    if (rv.child.exitCode === null) await rv.stop('SIGKILL');
    await home.cleanup();
  });

  const post = async (path: string) => {
    const res = await fetch(`${base}${path}`, { method: 'POST' });
    expect(res.status).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };

  test('a visit through nginx is counted in Postgres and Redis; a job is done by the worker', async () => {
    const before = (await (await fetch(`${base}/api/state`)).json()) as Record<string, number>;
    const after = await post('/api/visit');
    expect(after.visits).toBe(before.visits + 1);
    expect(after.cache_hits).toBe(before.cache_hits + 1);
    const job = await post('/api/job');
    expect(typeof job.task_id).toBe('string');
    const deadline = Date.now() + 30_000;
    let state: Record<string, number> = {};
    while (Date.now() < deadline) {
      state = (await (await fetch(`${base}/api/state`)).json()) as Record<string, number>;
      if (state.jobs_done === (before.jobs_done ?? 0) + 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(state.jobs_done).toBe((before.jobs_done ?? 0) + 1);
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('<html');
  });

  test('every service is ready, and nginx workers run as www-data', async () => {
    const ready = await fetch(`http://127.0.0.1:${ports.STATUSPORT}/readyz`);
    expect(ready.status).toBe(200);
    const nginxPid = rv.lines.find((l) => l.service === 'nginx' && /^started nginx/.test(l.msg))?.pid as number;
    const workers = await execa('ps', ['-o', 'user=', '--ppid', String(nginxPid)]);
    expect(new Set(workers.stdout.trim().split(/\s+/))).toEqual(new Set(['www-data']));
  });

  test('SIGTERM stops the front first, exit 0, nothing left behind', async () => {
    const { exitCode } = await rv.stop('SIGTERM');
    expect(exitCode).toBe(0);
    const stopped = rv.lines.filter((l) => / stopped$/.test(l.msg) && l.service).map((l) => l.service as string);
    for (const front of ['nginx', 'uwsgi', 'celery'])
      expect(stopped.indexOf(front)).toBeLessThan(stopped.indexOf('postgres'));
    expect(stopped.indexOf('nginx')).toBeLessThan(stopped.indexOf('uwsgi'));
    expect(await leftovers(home.dir)).toEqual([]);
  });

  test("RabbitMQ saw every client close its connection: the probes', Celery's and the demo app's (which sent a job)", () => {
    const rabbit = rv.lines.filter((l) => l.service === 'rabbitmq' && l.stream === 'child').map((l) => String(l.msg));
    // The log is RabbitMQ's own: it accepted and closed the connections.
    expect(rabbit.filter((m) => /accepting AMQP connection/.test(m)).length).toBeGreaterThanOrEqual(3);
    expect(rabbit.filter((m) => /unexpectedly closed TCP connection/.test(m))).toEqual([]);
    // Nor an error when nothing is wrong: Celery's readiness asked for the worker's queues
    // before the worker had declared them ("Channel error ... not_found", at every boot).
    // PostgreSQL's FATAL to our probe while it started was one too.
    const errors = rv.lines.filter((l) => l.stream === 'child' && l.level === 'error').map((l) => l.msg);
    expect(errors).toEqual([]);
  });
});
