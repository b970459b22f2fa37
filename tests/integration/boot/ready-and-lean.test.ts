// Role `all` with the local-directory store: the demo app serves and a job is done the
// moment /readyz first says 200 (readiness is real, even with services started alongside
// the ones they need), and rolevisor never loaded the AWS SDK (it is only for an S3 store)
// nor prom-client (only for a scrape of /metrics).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePortSettings, tempHome } from '../../helpers/env.js';
import { leftovers } from '../../helpers/processes.js';
import { RolevisorProcess } from '../../helpers/rolevisor-process.js';

const RECORDER = fileURLToPath(new URL('../../fixtures/module-recorder.mjs', import.meta.url));

describe('role all, local store: ready means ready, and lean', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let rv: RolevisorProcess;
  let ports: Record<string, string>;
  let moduleLog: string;

  beforeAll(async () => {
    home = await tempHome();
    ports = await freePortSettings();
    moduleLog = join(home.dir, 'modules.txt');
    rv = new RolevisorProcess(
      ['run'],
      { ROLEVISOR_HOME: home.dir, DBPASSWORD: 'boot-ready-secret', ROLEVISOR_TEST_MODULE_LOG: moduleLog, ...ports },
      ['--import', RECORDER],
    );
  }, 60_000);

  afterAll(async () => {
    if (rv.child.exitCode === null) await rv.stop('SIGKILL');
    await home.cleanup();
  });

  test('the first 200 from /readyz: a visit is counted and a job is done', async () => {
    const readyz = `http://127.0.0.1:${ports.STATUSPORT}/readyz`;
    const deadline = Date.now() + 240_000;
    let status = 0;
    while (Date.now() < deadline && rv.child.exitCode === null) {
      status = await fetch(readyz).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    // At once, no retry: every service the app needs answers now.
    const base = `http://127.0.0.1:${ports.PORT}`;
    const visit = await fetch(`${base}/api/visit`, { method: 'POST' });
    expect(visit.status).toBe(200);
    const before = (await visit.json()) as Record<string, number>;
    const job = await fetch(`${base}/api/job`, { method: 'POST' });
    expect(job.status).toBe(200);
    const jobsDone = async () =>
      ((await (await fetch(`${base}/api/state`)).json()) as Record<string, number>).jobs_done ?? 0;
    const until = Date.now() + 30_000;
    let done = await jobsDone();
    while (done < (before.jobs_done ?? 0) + 1 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      done = await jobsDone();
    }
    expect(done).toBe((before.jobs_done ?? 0) + 1);
  }, 300_000);

  test('SIGTERM: exit 0; neither the AWS SDK nor prom-client was loaded (the recorder saw the other clients)', async () => {
    const { exitCode } = await rv.stop('SIGTERM');
    expect(exitCode).toBe(0);
    const modules = (await readFile(moduleLog, 'utf8')).split('\n').filter(Boolean);
    // The recorder works: it saw rolevisor's own modules and the Redis and PostgreSQL clients.
    expect(modules.some((m) => m.includes('/src/container.ts'))).toBe(true);
    expect(modules.some((m) => m.includes('/node_modules/ioredis/'))).toBe(true);
    expect(modules.some((m) => m.includes('/node_modules/pg/'))).toBe(true);
    expect(modules.filter((m) => /\/node_modules\/@aws-sdk\//.test(m))).toEqual([]);
    // Nobody scraped /metrics: prom-client was never needed.
    expect(modules.filter((m) => /\/node_modules\/prom-client\//.test(m))).toEqual([]);
    expect(await leftovers(home.dir)).toEqual([]);
  }, 120_000);
});
