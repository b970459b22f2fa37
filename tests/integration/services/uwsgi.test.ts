// uwsgi with a WSGIAPP of the user's (callable "application"): SIGTERM lets the request in
// flight finish before uwsgi exits, and prepare explains a config.yml it could not read.
import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createUwsgi, uwsgiSocketPath } from '../../../src/services/uwsgi/service.js';
import { uwsgiGet } from '../../../src/services/uwsgi/request.js';
import { configFilePath } from '../../../src/settings/paths.js';
import { memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService } from '../../helpers/start-service.js';
import { writeConfigFile } from '../../helpers/config-file.js';
import { isRunning, processTree } from '../../helpers/process-tree.js';

const SLOW_APP = `import time

def application(environ, start_response):
    if environ['PATH_INFO'] == '/slow':
        time.sleep(1.5)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'finished']
`;

let home: Awaited<ReturnType<typeof tempHome>>;
beforeEach(async () => {
  home = await tempHome('rolevisor-uwsgi-');
});
afterEach(async () => {
  await home.cleanup();
});

async function context(extra: Record<string, string> = {}) {
  const wsgiApp = join(home.dir, 'slow.py');
  await writeFile(wsgiApp, SLOW_APP, { mode: 0o644 });
  const settings = testSettings({
    ROLEVISOR_HOME: home.dir,
    CONTAINERROLE: 'web',
    WSGIAPP: wsgiApp,
    UWSGIPROCESSES: '2',
    ...extra,
  });
  return { settings, ctx: await serviceContext(settings, 'uwsgi', 'www-data', memoryLogger().log) };
}

test('SIGTERM lets the request in flight finish, then every uwsgi process exits', async () => {
  const { settings, ctx } = await context();
  await writeConfigFile(settings);
  const service = createUwsgi(ctx);
  const running = await startService(service, ctx, 30_000);
  const tree = processTree(running.child.pid as number);
  expect(tree.length).toBe(3); // master + 2 workers

  const inFlight = uwsgiGet(uwsgiSocketPath(settings), '/slow', AbortSignal.timeout(10_000));
  await new Promise((r) => setTimeout(r, 300));
  const since = performance.now();
  await running.stop();
  const stopSeconds = (performance.now() - since) / 1000;

  await expect(inFlight).resolves.toBe(200);
  expect(stopSeconds).toBeGreaterThan(0.9); // it waited for the request...
  expect(stopSeconds).toBeLessThan(8); // ...not for a kill after the timeout
  expect(tree.filter(isRunning)).toEqual([]);
  console.log(`uwsgi stop with a 1.5 s request in flight: ${stopSeconds.toFixed(2)} s`);
}, 60_000);

test('prepare says config.yml is missing', async () => {
  const { settings, ctx } = await context();
  await expect(createUwsgi(ctx).prepare()).rejects.toMatchObject({
    code: 'RV_PREPARE_FAILED',
    message: expect.stringContaining(`${configFilePath(settings)} does not exist`),
  });
});

test('prepare says www-data cannot read a config.yml that root owns with 0600', async () => {
  const { settings, ctx } = await context();
  await writeConfigFile(settings);
  await chown(configFilePath(settings), 0, 0);
  await expect(createUwsgi(ctx).prepare()).rejects.toMatchObject({
    code: 'RV_PREPARE_FAILED',
    message: expect.stringContaining('is not readable by www-data'),
  });
});
