// uwsgi's cheaper mode as UWSGICHEAPER renders it: one worker while idle, more while every
// worker is busy, back to one once the load is gone. Load is a few request loops on the
// unix socket, bounded in time, that stop by themselves.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createUwsgi, uwsgiSocketPath } from '../../../src/services/uwsgi/service.js';
import { uwsgiGet } from '../../../src/services/uwsgi/request.js';
import { memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { writeConfigFile } from '../../helpers/config-file.js';
import { processTree } from '../../helpers/process-tree.js';

const SLOW_APP = `import time

def application(environ, start_response):
    if environ['PATH_INFO'] == '/slow':
        time.sleep(0.5)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'done']
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let home: Awaited<ReturnType<typeof tempHome>>;
let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  await home.cleanup();
});

test('cheaper mode: 1 worker idle, more under load, 1 again when idle', async () => {
  home = await tempHome('rolevisor-uwsgi-cheaper-');
  const wsgiApp = join(home.dir, 'slow.py');
  await writeFile(wsgiApp, SLOW_APP, { mode: 0o644 });
  const settings = testSettings({
    ROLEVISOR_HOME: home.dir,
    CONTAINERROLE: 'web',
    WSGIAPP: wsgiApp,
    UWSGIPROCESSES: '3',
    UWSGICHEAPER: '1',
  });
  const ctx = await serviceContext(settings, 'uwsgi', 'www-data', memoryLogger().log);
  await writeConfigFile(settings);
  running = await startService(createUwsgi(ctx), ctx, 30_000);
  const master = running.child.pid as number;
  const workers = () => processTree(master).length - 1;
  expect(workers()).toBe(1);

  // Four request loops against one worker: every worker stays busy until more are spawned.
  const socket = uwsgiGet.bind(null, uwsgiSocketPath(settings));
  let loading = true;
  const loadUntil = Date.now() + 40_000;
  const loop = async () => {
    while (loading && Date.now() < loadUntil) await socket('/slow', AbortSignal.timeout(10_000)).catch(() => 0);
  };
  const loops = Promise.all([loop(), loop(), loop(), loop()]);
  let most = 1;
  while (Date.now() < loadUntil && most < 3) {
    await sleep(250);
    most = Math.max(most, workers());
  }
  loading = false;
  await loops;
  expect(most).toBeGreaterThan(1);

  const idleUntil = Date.now() + 60_000;
  while (Date.now() < idleUntil && workers() > 1) await sleep(500);
  expect(workers()).toBe(1);
  console.log(`cheaper mode: up to ${most} workers under load, back to 1 when idle`);
}, 150_000);
