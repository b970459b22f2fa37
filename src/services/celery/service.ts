// Celery workers for the app's background jobs (CELERYAPP in CELERYAPPDIR, else the demo's
// tasks). The broker and result backend come from config.yml, through the app.
import { availableParallelism, hostname } from 'node:os';
import { access } from 'node:fs/promises';
import { execa } from 'execa';
import { catalogError } from '../../errors.js';
import { configFilePath } from '../../settings/paths.js';
import { celeryConcurrency } from './concurrency.js';
import { brokerTlsFrom, brokerUrlFrom, workerConsumes } from './ready.js';
import { assertConfigReadable, DEBIAN_PYTHON, demoAppDir, pythonAppEnv } from '../shared/python-app.js';
import type { Service, ServiceContext } from '../types.js';

/** Seconds the probe's ping waits for the worker's answer. */
const PING_TIMEOUT_SEC = 1.5;
/** The queue the worker serves (--queues). */
const QUEUE = 'celery';
/** How long a probe waits for the worker's own "ready." line before it asks the broker anyway. */
const READY_LINE_WAIT_MS = 1000;
/**
 * How long after the launch the probe asks the broker only once the worker has logged its
 * ready line: before it, the worker's queues may not exist yet, and each passive declare of
 * a missing queue made RabbitMQ log an error-level "Channel error ... not_found" at every
 * boot. After it (an app whose logging hides the line) the broker is asked anyway.
 */
const READY_LINE_FIRST_MS = 30_000;
/** How long the worker's start waits for the broker before Celery's own retries take over (RabbitMQ's ready_timeout). */
const BROKER_WAIT_SEC = 180;
/** Celery's line once the worker consumes: "celery@host ready." */
const READY_LINE = /\bcelery@\S+ ready\.\s*$/;

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

// The worker, started alongside RabbitMQ (roles/celery.yml's starts_with): Python imports
// Celery and the app (most of its start) while the broker boots, then waits for the broker
// with short retries (Celery's own wait 2, 4, 6 ... s between tries), then runs the worker
// as \`celery worker\` would. After the wait, the worker's own retries and errors take over.
// Arguments: app module, seconds to wait, then the worker's argv.
const WORKER_SCRIPT = `
import sys, time
from celery.app.utils import find_app
app = find_app(sys.argv[1])
deadline = time.monotonic() + float(sys.argv[2])
said = None
while time.monotonic() < deadline:
    try:
        with app.connection_for_write() as conn:
            conn.connect()
        break
    except Exception as exc:
        if str(exc) != said:
            said = str(exc)
            print(f'waiting for the broker: {said}', file=sys.stderr, flush=True)
        time.sleep(0.1)
app.worker_main(sys.argv[3:])
`;

export function createCelery(ctx: ServiceContext): Service {
  const { settings } = ctx;
  const app = settings.celery.app ?? 'tasks';
  const appDir = settings.celery.appDir ?? demoAppDir(ctx);
  // The exact node name, not "%h": the probe pings this name and must not guess Celery's expansion.
  const nodeName = `celery@${hostname()}`;
  const env = pythonAppEnv(ctx);
  // The worker's ready line of this launch wakes the probe at once.
  let loggedReady = false;
  let launchedAt = 0;
  let wake: (() => void) | undefined;
  const readyLineOrTimeout = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, READY_LINE_WAIT_MS);
      signal.addEventListener('abort', done, { once: true });
      wake = done;
    });

  /** The old way, for a broker that is not AMQP: a Celery ping (a Python process of its own). */
  const ping = async (signal: AbortSignal) => {
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
  };

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
        throw catalogError('RV_PREPARE_FAILED', 'celeryAppDir', { dir: appDir, app });
      });
    },

    onLine(line) {
      if (!READY_LINE.test(line)) return;
      loggedReady = true;
      wake?.();
    },

    launch() {
      loggedReady = false;
      launchedAt = Date.now();
      const concurrency = celeryConcurrency(settings.celery, availableParallelism());
      return {
        file: DEBIAN_PYTHON,
        args: [
          '-c',
          // One line (a JSON string is a Python string literal): ps and the bench's supervisord config read it as one.
          `exec(${JSON.stringify(WORKER_SCRIPT)})`,
          app,
          String(BROKER_WAIT_SEC),
          'worker',
          '--concurrency',
          String(concurrency),
          '--hostname',
          nodeName,
          '--queues',
          QUEUE,
          '--without-gossip',
          '--without-mingle',
          '--without-heartbeat',
          '--loglevel',
          'INFO',
        ],
        env,
        cwd: appDir,
      };
    },

    // The broker says this worker consumes (ready.ts), checked as soon as the worker
    // logs that it is ready: a job sent now is taken, not merely a process that exists.
    async probe(signal) {
      if (!loggedReady) await readyLineOrTimeout(signal);
      if (!loggedReady && Date.now() - launchedAt < READY_LINE_FIRST_MS)
        throw new Error(`${nodeName} has not logged that it is ready yet`);
      const brokerUrl = await brokerUrlFrom(configFilePath(settings));
      if (brokerUrl)
        await workerConsumes(
          brokerUrl,
          nodeName,
          QUEUE,
          loggedReady,
          signal,
          await brokerTlsFrom(configFilePath(settings)),
        );
      else await ping(signal);
    },
  };
}
