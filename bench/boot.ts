// The boot benchmark (issue 15): role `all` under rolevisor against the same nine services
// under Debian's supervisord (a config written from rolevisor's own rendering: the built
// services' commands, environments, users and ports), and role `all` against role
// `rabbitmq` alone. Runs alternate (A B A B ...) so that a change in the machine's load
// hits both sides; results are min/median/max and ratios of the pairs.
import { createInterface } from 'node:readline';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { createLogger } from '../src/log.js';
import { loadRoleCatalog } from '../src/roles/catalog.js';
import { planServices } from '../src/roles/plan.js';
import { loadSettings } from '../src/settings/load.js';
import { buildServices, type BuiltService } from '../src/supervisor/build.js';
import { freePortSettings } from '../tests/helpers/env.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
/** rolevisor's node flags and environment, as the bin's first line, the image and npm start give them. */
export const NODE_FLAGS = ['--max-semi-space-size=1'];
export const NODE_ENV = { MALLOC_ARENA_MAX: '2' };
const SUPERVISORD = '/usr/bin/supervisord';
const BASE_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

export interface BootBenchOptions {
  runs: number;
  /** Seconds after ready before the RSS is read. */
  settleSec: number;
  say: (line: string) => void;
}

export interface Stats {
  min: number;
  median: number;
  max: number;
  values: number[];
}

export interface BootBenchResult {
  runs: number;
  settleSec: number;
  load: { before: number; after: number };
  /** Fresh homes: rolevisor role all, role rabbitmq, and the pairs' ratio. */
  freshAllReady: Stats;
  freshRabbitReady: Stats;
  allOverRabbit: Stats;
  /** Prepared homes: until every port answers and the demo app serves. */
  rvServes: Stats;
  supServes: Stats;
  rvOverSup: Stats;
  rvRssMiB: Stats;
  supRssMiB: Stats;
  rvStopSec: Stats;
  supStopSec: Stats;
  /** A bare node (same flags and environment, an empty script): the floor under rolevisor's RSS. */
  bareNodeMiB: Stats;
  services: string[];
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0] ?? NaN, median, max: sorted[sorted.length - 1] ?? NaN, values };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', timeout: 500 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Resolves with the ms (from `t0`) when every port answers and, with `demoPort`, GET / is 200. */
async function untilServing(t0: number, ports: number[], demoPort: number | undefined, abort: AbortSignal) {
  const pending = new Set(ports);
  while (!abort.aborted) {
    for (const port of [...pending]) if (await tcpAnswers(port)) pending.delete(port);
    if (pending.size === 0) {
      if (demoPort === undefined) return performance.now() - t0;
      const status = await fetch(`http://127.0.0.1:${demoPort}/`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return performance.now() - t0;
    }
    await sleep(50);
  }
  throw new Error('stopped while waiting for the ports');
}

/** RSS of a node that runs nothing (rolevisor's flags and environment), after `settleMs`. */
async function bareNodeRss(settleMs = 2000): Promise<number> {
  const child = execa(process.execPath, [...NODE_FLAGS, '-e', 'setTimeout(() => {}, 60000)'], {
    env: { ...BASE_ENV, ...NODE_ENV },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  try {
    await sleep(settleMs);
    return await rssMiB(child.pid!);
  } finally {
    child.kill('SIGKILL');
    await child;
  }
}

interface Host {
  role: string;
  home: string;
  env: Record<string, string>;
  built: BuiltService[];
  /** TCP ports of the services (from their listeners), and the demo app's port. */
  ports: number[];
  demoPort: number | undefined;
}

async function makeHost(role: string, name: string): Promise<Host> {
  const home = `/var/tmp/rolevisor-bench-boot-${process.pid}-${name}`;
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  await chmod(home, 0o755);
  const env = {
    ...BASE_ENV,
    ...(await freePortSettings()),
    ROLEVISOR_HOME: home,
    CONTAINERROLE: role,
    DBPASSWORD: 'bench-boot',
  };
  const catalog = loadRoleCatalog();
  const settings = loadSettings(env, catalog);
  const log = createLogger({ level: 'warn', destination: { write: () => undefined } });
  const built = await buildServices(settings, planServices(settings.roles, catalog), catalog.dir, log);
  const ports = built.flatMap((b) =>
    b.service
      .listeners()
      .filter((l) => (l.protocol ?? 'tcp') !== 'udp')
      .map((l) => l.port),
  );
  const demoPort = built.some((b) => b.service.kind === 'nginx') ? settings.web.port : undefined;
  return { role, home, env, built, ports: [...new Set(ports)], demoPort };
}

interface RunResult {
  readyMs: number;
  servesMs: number;
  rssMiB: number | undefined;
  stopMs: number;
  exitCode: number | undefined;
}

/** One `rolevisor run`: ready (its log line) and serving (our probe), RSS after settling, SIGTERM → exit. */
async function runRolevisor(host: Host, settleSec: number | undefined): Promise<RunResult> {
  const t0 = performance.now();
  const child = execa(process.execPath, [...NODE_FLAGS, '--', CLI, 'run'], {
    env: { ...host.env, ...NODE_ENV },
    extendEnv: false,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    forceKillAfterDelay: false,
  });
  const abort = new AbortController();
  let readyMs: number | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (readyMs === undefined && line.includes('"msg":"all services ready')) {
        readyMs = performance.now() - t0;
        resolve();
      }
    });
    void child.then((r) => reject(new Error(`rolevisor exited (${r.exitCode ?? r.signal}) before ready`)));
  });
  child.stderr.resume();
  try {
    const [servesMs] = await Promise.all([untilServing(t0, host.ports, host.demoPort, abort.signal), ready]);
    const rss = settleSec === undefined ? undefined : (await sleep(settleSec * 1000), await rssMiB(child.pid!));
    const stopping = performance.now();
    child.kill('SIGTERM');
    const result = await child;
    return {
      readyMs: readyMs!,
      servesMs,
      rssMiB: rss,
      stopMs: performance.now() - stopping,
      exitCode: result.exitCode,
    };
  } finally {
    abort.abort();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await child;
    }
  }
}

/** A value as supervisord reads it: ConfigParser interpolates %, so every % is doubled. */
const conf = (text: string) => text.replace(/%/g, '%%');
/** One argument of `command=`, which supervisord splits like a POSIX shell. */
const shellWord = (arg: string) => (/^[\w/.,:=@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`);
const envValue = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** supervisord.conf for the host's services, from what rolevisor would launch (after prepare). */
export async function supervisordConf(host: Host): Promise<string> {
  const logs = join(host.home, 'supervisord-logs');
  await mkdir(logs, { recursive: true });
  const lines = [
    '; Written by bench/boot.ts from rolevisor’s own rendering of the services.',
    '[supervisord]',
    'nodaemon=true',
    `logfile=${join(host.home, 'supervisord.log')}`,
    `pidfile=${join(host.home, 'supervisord.pid')}`,
    `childlogdir=${logs}`,
    'user=root',
    '',
  ];
  for (const [index, b] of host.built.entries()) {
    await b.service.prepare();
    const launch = b.service.launch();
    lines.push(
      `[program:${b.plan.name}]`,
      `command=${conf([launch.file, ...launch.args].map(shellWord).join(' '))}`,
      `environment=${conf(
        Object.entries(launch.env)
          .map(([k, v]) => `${k}=${envValue(v)}`)
          .join(','),
      )}`,
      ...(launch.cwd ? [`directory=${conf(launch.cwd)}`] : []),
      ...(b.ctx.identity ? [`user=${b.ctx.identity.user}`] : []),
      // supervisord's only ordering: priority (it does not wait for readiness).
      `priority=${(index + 1) * 10}`,
      'autostart=true',
      'autorestart=true',
      'startsecs=1',
      'startretries=20',
      `stopsignal=${b.service.stopSignal.replace(/^SIG/, '')}`,
      `stopwaitsecs=${b.plan.stop_timeout}`,
      'stopasgroup=true',
      'killasgroup=true',
      `stdout_logfile=${join(logs, `${b.plan.name}.log`)}`,
      'redirect_stderr=true',
      '',
    );
  }
  return lines.join('\n');
}

async function runSupervisord(host: Host, confFile: string, settleSec: number): Promise<RunResult> {
  const t0 = performance.now();
  const child: ResultPromise = execa(SUPERVISORD, ['-n', '-c', confFile], {
    env: BASE_ENV,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'ignore',
    forceKillAfterDelay: false,
  });
  const abort = new AbortController();
  try {
    const exited = child.then((r) => {
      throw new Error(`supervisord exited (${r.exitCode ?? r.signal}) before serving`);
    });
    const servesMs = await Promise.race([untilServing(t0, host.ports, host.demoPort, abort.signal), exited]);
    await sleep(settleSec * 1000);
    const rss = await rssMiB(child.pid!);
    const stopping = performance.now();
    child.kill('SIGTERM');
    const result = await child;
    return {
      readyMs: servesMs,
      servesMs,
      rssMiB: rss,
      stopMs: performance.now() - stopping,
      exitCode: result.exitCode,
    };
  } finally {
    abort.abort();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await child;
    }
  }
}

export async function runBootBench({ runs, settleSec, say }: BootBenchOptions): Promise<BootBenchResult> {
  const before = loadavg()[0];
  say('building dist/ (npm run build)');
  await execa('npm', ['run', '-s', 'build'], { cwd: ROOT });
  const fresh = { all: [] as number[], rabbit: [] as number[] };
  const warm = { rv: [] as RunResult[], sup: [] as RunResult[] };
  const bare: number[] = [];
  const freshAll = await makeHost('all', 'fresh-all');
  const freshRabbit = await makeHost('rabbitmq', 'fresh-rabbitmq');
  const rvHost = await makeHost('all', 'rolevisor');
  const supHost = await makeHost('all', 'supervisord');
  try {
    // Fresh data directories every run: role all against RabbitMQ alone.
    for (let i = 0; i < runs; i++) {
      for (const host of i % 2 ? [freshRabbit, freshAll] : [freshAll, freshRabbit]) {
        await rm(host.home, { recursive: true, force: true });
        await mkdir(host.home, { mode: 0o755 });
        const r = await runRolevisor(host, undefined);
        (host === freshAll ? fresh.all : fresh.rabbit).push(r.readyMs / 1000);
        say(`fresh ${host.role.padEnd(8)} run ${i + 1}: ready ${(r.readyMs / 1000).toFixed(2)} s`);
      }
    }
    // Prepared homes (a first boot initialised the data): rolevisor against supervisord.
    say('first boots of the prepared homes');
    await runRolevisor(rvHost, undefined);
    await runRolevisor(supHost, undefined);
    const confFile = join(supHost.home, 'supervisord.conf');
    await writeFile(confFile, await supervisordConf(supHost), { mode: 0o600 });
    for (let i = 0; i < runs; i++) {
      for (const side of i % 2 ? (['sup', 'rv'] as const) : (['rv', 'sup'] as const)) {
        const r =
          side === 'rv' ? await runRolevisor(rvHost, settleSec) : await runSupervisord(supHost, confFile, settleSec);
        warm[side].push(r);
        if (side === 'rv') bare.push(await bareNodeRss());
        say(
          `${side === 'rv' ? 'rolevisor  ' : 'supervisord'} run ${i + 1}: serving ${(r.servesMs / 1000).toFixed(2)} s, RSS ${r.rssMiB?.toFixed(1)} MiB, SIGTERM → exit ${(r.stopMs / 1000).toFixed(2)} s (code ${r.exitCode})`,
        );
      }
    }
  } finally {
    for (const host of [freshAll, freshRabbit, rvHost, supHost]) await rm(host.home, { recursive: true, force: true });
  }
  const ratio = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);
  const rvServes = warm.rv.map((r) => r.servesMs / 1000);
  const supServes = warm.sup.map((r) => r.servesMs / 1000);
  return {
    runs,
    settleSec,
    load: { before, after: loadavg()[0] },
    freshAllReady: stats(fresh.all),
    freshRabbitReady: stats(fresh.rabbit),
    allOverRabbit: stats(ratio(fresh.all, fresh.rabbit)),
    rvServes: stats(rvServes),
    supServes: stats(supServes),
    rvOverSup: stats(ratio(rvServes, supServes)),
    rvRssMiB: stats(warm.rv.map((r) => r.rssMiB!)),
    supRssMiB: stats(warm.sup.map((r) => r.rssMiB!)),
    rvStopSec: stats(warm.rv.map((r) => r.stopMs / 1000)),
    supStopSec: stats(warm.sup.map((r) => r.stopMs / 1000)),
    bareNodeMiB: stats(bare),
    services: rvHost.built.map((b) => b.plan.name),
  };
}
