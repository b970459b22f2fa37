// The web-tier benchmark (issue 15): role `all` under rolevisor, wrk (Debian's package)
// against the demo app through nginx on loopback, for uwsgi shapes set by UWSGIPROCESSES,
// UWSGITHREADS and UWSGICHEAPER; and cheaper mode's process count while wrk runs and after.
import { createInterface } from 'node:readline';
import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePortSettings } from '../tests/helpers/env.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const BASE_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
const WRK = '/usr/bin/wrk';
/** The demo app's page that reads PostgreSQL and Redis (no writes: runs stay comparable). */
const PATH = '/api/state';

export interface WebShape {
  label: string;
  env: Record<string, string>;
}

export interface WrkResult {
  shape: string;
  requestsPerSec: number;
  p99Ms: number;
  errors: number;
}

export interface CheaperTrace {
  /** Worker processes sampled every 500 ms: while wrk ran, then idle. */
  underLoad: number[];
  idle: number[];
  idleSecondsToMin: number | undefined;
}

export interface WebBenchResult {
  durationSec: number;
  connections: number;
  wrkThreads: number;
  load: { before: number; after: number };
  runs: WrkResult[];
  cheaper: CheaperTrace;
  cheaperShape: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function childrenOf(pid: number): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) count++;
  }
  return count;
}

/** Starts role all with `extra`, resolves once ready with the uwsgi master's pid; stop() ends it. */
async function startAll(home: string, extra: Record<string, string>) {
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  await chmod(home, 0o755);
  const ports = await freePortSettings();
  const child = execa(process.execPath, ['--max-semi-space-size=1', '--', CLI, 'run'], {
    env: { ...BASE_ENV, ...ports, ROLEVISOR_HOME: home, DBPASSWORD: 'bench-web', ...extra },
    extendEnv: false,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    forceKillAfterDelay: false,
  });
  child.stderr.resume();
  let uwsgiPid: number | undefined;
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line: { msg?: string; service?: string; pid?: number };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        return;
      }
      if (line.service === 'uwsgi' && line.msg?.startsWith('started uwsgi')) uwsgiPid = line.pid;
      if (line.msg?.startsWith('all services ready')) resolve();
    });
    void child.then((r) => reject(new Error(`rolevisor exited (${r.exitCode ?? r.signal}) before ready`)));
  });
  return {
    port: Number(ports.PORT),
    uwsgiPid: uwsgiPid!,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
      await rm(home, { recursive: true, force: true });
    },
  };
}

export function parseWrk(output: string): { requestsPerSec: number; p99Ms: number; errors: number } {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(output);
  const scale = { us: 0.001, ms: 1, s: 1000 } as const;
  const p99Ms = p99 ? Number(p99[1]) * scale[p99[2] as keyof typeof scale] : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { requestsPerSec: rps, p99Ms, errors: non2xx + socketErrors };
}

async function wrk(port: number, durationSec: number, connections: number, threads: number) {
  const result = await execa(WRK, [
    '--latency',
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${durationSec}s`,
    `http://127.0.0.1:${port}${PATH}`,
  ]);
  return parseWrk(result.stdout);
}

export async function runWebBench(options: {
  shapes: WebShape[];
  cheaperShape: WebShape;
  durationSec: number;
  connections: number;
  say: (line: string) => void;
}): Promise<WebBenchResult> {
  const { durationSec, connections, say } = options;
  const wrkThreads = 2;
  const before = loadavg()[0];
  say('building dist/ (npm run build)');
  await execa('npm', ['run', '-s', 'build'], { cwd: ROOT });
  const home = `/var/tmp/rolevisor-bench-web-${process.pid}`;
  const runs: WrkResult[] = [];
  for (const shape of options.shapes) {
    const host = await startAll(home, shape.env);
    try {
      await wrk(host.port, 2, connections, wrkThreads); // warm-up: imports, connections, caches
      const r = await wrk(host.port, durationSec, connections, wrkThreads);
      runs.push({ shape: shape.label, ...r });
      say(
        `${shape.label}: ${r.requestsPerSec.toFixed(0)} requests/s, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors`,
      );
    } finally {
      await host.stop();
    }
  }
  const host = await startAll(home, options.cheaperShape.env);
  const cheaper: CheaperTrace = { underLoad: [], idle: [], idleSecondsToMin: undefined };
  try {
    const minimum = await childrenOf(host.uwsgiPid);
    let loading = true;
    // At least 10 s: the master adds a worker only after every worker was busy for 3 s.
    const load = wrk(host.port, Math.max(10, durationSec), connections, wrkThreads).finally(() => {
      loading = false;
    });
    while (loading) {
      cheaper.underLoad.push(await childrenOf(host.uwsgiPid));
      await sleep(500);
    }
    runs.push({ shape: `${options.cheaperShape.label} (cheaper)`, ...(await load) });
    const idleStarted = performance.now();
    while (performance.now() - idleStarted < 60_000) {
      const n = await childrenOf(host.uwsgiPid);
      cheaper.idle.push(n);
      if (n <= minimum) {
        cheaper.idleSecondsToMin = (performance.now() - idleStarted) / 1000;
        break;
      }
      await sleep(500);
    }
    say(
      `cheaper: ${minimum} idle, up to ${Math.max(...cheaper.underLoad)} under load, back to ${minimum} after ${cheaper.idleSecondsToMin?.toFixed(1) ?? '> 60'} s`,
    );
  } finally {
    await host.stop();
  }
  return {
    durationSec,
    connections,
    wrkThreads,
    load: { before, after: loadavg()[0] },
    runs,
    cheaper,
    cheaperShape: options.cheaperShape.label,
  };
}
