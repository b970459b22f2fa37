// Celery workers for the app's background jobs (CELERYAPP in CELERYAPPDIR, else the demo's
// tasks). The broker and result backend come from config.yml, through the app.
import { availableParallelism, hostname } from 'node:os';
import { access } from 'node:fs/promises';
import { execa } from 'execa';
import { RolevisorError } from '../../errors.js';
import { celeryConcurrency } from './concurrency.js';
import { assertConfigReadable, DEBIAN_PYTHON, demoAppDir, pythonAppEnv } from '../shared/python-app.js';
import type { Service, ServiceContext } from '../types.js';

/** Seconds the probe's ping waits for the worker's answer. */
const PING_TIMEOUT_SEC = 1.5;

// `celery inspect ping` exits without closing its AMQP connection, and RabbitMQ warned
// "client unexpectedly closed TCP connection" for every probe: the same ping, with the
// connection closed properly (AMQP connection.close) before Python exits. Arguments:
// app module, node name, timeout — never interpolated into the code.
const PING_SCRIPT = `
import json, sys
from celery.app.utils import find_app
app = find_app(sys.argv[1])
with app.connection_for_write() as conn:
    replies = app.control.ping(destination=[sys.argv[2]], timeout=float(sys.argv[3]), connection=conn)
    conn.release()
print(json.dumps(replies))
sys.exit(0 if any(sys.argv[2] in r and 'ok' in r[sys.argv[2]] for r in replies) else 1)
`;

export function createCelery(ctx: ServiceContext): Service {
  const { settings } = ctx;
  const app = settings.celery.app ?? 'tasks';
  const appDir = settings.celery.appDir ?? demoAppDir(ctx);
  // The exact node name, not "%h": the probe pings this name and must not guess Celery's expansion.
  const nodeName = `celery@${hostname()}`;
  const env = pythonAppEnv(ctx);
  const celery = (args: string[]) => ['-m', 'celery', '-A', app, ...args];

  return {
    name: 'celery',
    kind: 'celery',
    // Warm shutdown: the worker stops taking tasks and finishes the ones it runs.
    stopSignal: 'SIGTERM',
    listeners: () => [],
    dataDirs: () => [],

    async prepare() {
      await assertConfigReadable(ctx);
      await access(appDir).catch(() => {
        throw new RolevisorError(
          'RV_PREPARE_FAILED',
          `CELERYAPPDIR ${appDir} does not exist; point it at the directory that holds the module "${app}"`,
        );
      });
    },

    launch() {
      const concurrency = celeryConcurrency(settings.celery, availableParallelism());
      return {
        file: DEBIAN_PYTHON,
        args: celery([
          'worker',
          '--concurrency',
          String(concurrency),
          '--hostname',
          nodeName,
          '--queues',
          'celery',
          '--without-gossip',
          '--without-mingle',
          '--without-heartbeat',
          '--loglevel',
          'INFO',
        ]),
        env,
        cwd: appDir,
      };
    },

    // A Celery ping through the broker, sent by the app's own configuration: proves the
    // worker consumes from RabbitMQ, not merely that its process exists.
    async probe(signal) {
      const result = await execa(DEBIAN_PYTHON, ['-c', PING_SCRIPT, app, nodeName, String(PING_TIMEOUT_SEC)], {
        env,
        extendEnv: false,
        cwd: appDir,
        uid: ctx.identity?.uid,
        gid: ctx.identity?.gid,
        cancelSignal: signal,
        reject: false,
        stdin: 'ignore',
      });
      if (result.exitCode === 0 && result.stdout.includes('pong')) return;
      const reason = (result.stderr || result.stdout).trim().split('\n').pop() || `exit code ${result.exitCode}`;
      throw new Error(`${nodeName} did not answer a Celery ping: ${reason}`);
    },
  };
}
