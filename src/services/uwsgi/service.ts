// uwsgi running the WSGI app (WSGIAPP, else the bundled demo) for nginx over a unix socket.
// The app finds its database, Redis and broker in config.yml, named by ROLEVISOR_CONFIG.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { catalogError } from '../../errors.js';
import { servicePaths } from '../../settings/paths.js';
import type { Settings } from '../../settings/types.js';
import { ensureDir, writeFileAtomic } from '../../util/fsx.js';
import { ensureServiceDir } from '../shared/backend-dirs.js';
import { assertConfigReadable, demoAppDir, pythonAppEnv } from '../shared/python-app.js';
import type { Service, ServiceContext } from '../types.js';
import { renderUwsgiIni, wsgiCallable } from './ini.js';
import { uwsgiGet } from './request.js';

const UWSGI = '/usr/bin/uwsgi';
/** Seconds a worker may spend finishing its request at shutdown (below web.yml's stop_timeout). */
const SHUTDOWN_MERCY_SEC = 10;

/** The socket nginx connects to; nginx/service.ts uses the same function. */
export const uwsgiSocketPath = (settings: Settings): string =>
  join(servicePaths(settings, 'uwsgi', '').run, 'uwsgi.sock');

export function createUwsgi(ctx: ServiceContext): Service {
  const { settings } = ctx;
  const wsgiFile = settings.web.wsgiApp ?? join(demoAppDir(ctx), 'app.py');
  const iniFile = join(ctx.paths.conf, 'uwsgi.ini');
  const socket = uwsgiSocketPath(settings);

  return {
    name: 'uwsgi',
    kind: 'uwsgi',
    // With the hook in uwsgi.ini, SIGTERM is graceful: workers finish their request, then exit.
    stopSignal: 'SIGTERM',
    listeners: () => [],
    dataDirs: () => [settings.web.filesDir],

    async prepare() {
      await assertConfigReadable(ctx);
      const source = await readFile(wsgiFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw catalogError('RV_PREPARE_FAILED', 'wsgiApp', { file: wsgiFile, reason: error.code ?? error.message });
      });
      await ensureDir(ctx.paths.conf, { mode: 0o755 });
      // FILESDIR: the app's uploads, its user's (rolevisor keeps it in the store).
      await ensureServiceDir(settings.web.filesDir, 0o750, ctx.identity);
      // 0750: nginx's workers (same user) reach the socket, other users do not. The parent
      // first, so that mkdir -p does not give it 0750 too.
      await ensureDir(dirname(dirname(socket)));
      await ensureDir(dirname(socket), { mode: 0o750, owner: ctx.identity });
      const ini = renderUwsgiIni({
        socket,
        wsgiFile,
        callable: wsgiCallable(source),
        urlRoot: settings.web.urlRoot,
        processes: settings.web.processes,
        threads: settings.web.threads,
        cheaper: settings.web.cheaper,
        offloadThreads: settings.web.offloadThreads,
        shutdownMercySec: SHUTDOWN_MERCY_SEC,
      });
      await writeFileAtomic(iniFile, ini, { mode: 0o644 });
      ctx.log.debug({ iniFile, wsgiFile }, 'rendered uwsgi.ini');
    },

    launch: () => ({ file: UWSGI, args: ['--ini', iniFile], env: pythonAppEnv(ctx) }),

    // A real request through the app: any answer below 500 means a worker runs the app.
    async probe(signal) {
      const status = await uwsgiGet(socket, settings.web.urlRoot, signal);
      if (status >= 500)
        throw new Error(`the app answered GET ${settings.web.urlRoot} with HTTP ${status} (see the uwsgi log)`);
    },
  };
}
