// Removing the image test's engine, synchronously and idempotently: its containers, the
// dockerd (and the containerd and shims it started), every mount under its directories,
// the directories, and its bridge. Used by the janitor (janitor.ts), which runs it when
// the test lets go or dies, and at the start of a run for what a killed run left behind.
import { execaSync } from 'execa';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

export const PREFIX = 'rvimg';
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const sh = (file: string, args: string[], timeout = 60_000) =>
  execaSync(file, args, { env: { PATH }, extendEnv: false, reject: false, timeout });

export interface EngineSpec {
  /** Holds data-root, the config file, the CLI's config and the pid file (removed at the end). */
  dir: string;
  /** dockerd's --exec-root (short: unix socket paths are limited to 108 bytes). */
  execRoot: string;
  socket: string;
  bridge: string;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `marker` (dockerd, its containerd, the shims). */
function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function mountsUnder(dirs: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => !!p && dirs.some((d) => p === d || p.startsWith(`${d}/`)));
  return points.sort((a, b) => b.length - a.length);
}

/** What of `spec` is still there (for the test's final check). */
export function remains(spec: EngineSpec): string[] {
  const left: string[] = [];
  const pids = processesMentioning(spec.execRoot).filter(alive);
  if (pids.length > 0) left.push(`processes ${pids.join(', ')}`);
  for (const m of mountsUnder([spec.dir, spec.execRoot])) left.push(`mount ${m}`);
  for (const d of [spec.dir, spec.execRoot])
    try {
      readdirSync(d);
      left.push(`directory ${d}`);
    } catch {
      // gone
    }
  if (sh('ip', ['link', 'show', spec.bridge]).exitCode === 0) left.push(`interface ${spec.bridge}`);
  return left;
}

/** Removes everything of `spec`; returns the problems (empty when all went). */
export function teardownEngine(spec: EngineSpec): string[] {
  const problems: string[] = [];
  const began = Date.now();
  const steps: string[] = [];
  const step = (what: string) => steps.push(`${what} ${((Date.now() - began) / 1000).toFixed(1)} s`);
  const docker = (args: string[], timeout?: number) => sh('docker', ['-H', `unix://${spec.socket}`, ...args], timeout);
  const daemon = processesMentioning(spec.execRoot).filter(alive);
  if (daemon.length > 0) {
    const ids = String(docker(['ps', '-aq'], 20_000).stdout)
      .split('\n')
      .filter(Boolean);
    if (ids.length > 0) docker(['rm', '-f', '-v', ...ids], 60_000);
    step('containers removed');
    // dockerd stops its containerd when it stops.
    for (const pid of daemon) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    const until = Date.now() + 30_000;
    while (Date.now() < until && processesMentioning(spec.execRoot).some(alive)) sleepSync(200);
    step('dockerd stopped');
  }
  for (const pid of processesMentioning(spec.execRoot).filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  sleepSync(200);
  for (const point of mountsUnder([spec.dir, spec.execRoot])) {
    if (sh('umount', [point]).exitCode !== 0 && sh('umount', ['-l', point]).exitCode !== 0)
      problems.push(`cannot unmount ${point}`);
  }
  for (const d of [spec.dir, spec.execRoot]) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch (error) {
      problems.push(`${d}: ${(error as Error).message}`);
    }
  }
  if (sh('ip', ['link', 'show', spec.bridge]).exitCode === 0 && sh('ip', ['link', 'del', spec.bridge]).exitCode !== 0)
    problems.push(`cannot delete interface ${spec.bridge}`);
  step('all removed');
  if (Date.now() - began > 20_000) process.stderr.write(`image teardown: ${steps.join(', ')}\n`);
  return problems;
}

/** Specs of earlier runs whose test process is gone (directories /var/tmp/rvimg-PID). */
export function staleSpecs(): EngineSpec[] {
  const specs: EngineSpec[] = [];
  for (const entry of readdirSync('/var/tmp')) {
    const m = new RegExp(`^${PREFIX}-(\\d+)$`).exec(entry);
    if (!m || alive(Number(m[1]))) continue;
    specs.push(specFor(Number(m[1])));
  }
  return specs;
}

export function specFor(pid: number): EngineSpec {
  return {
    dir: `/var/tmp/${PREFIX}-${pid}`,
    execRoot: `/run/${PREFIX}-${pid}`,
    socket: `/run/${PREFIX}-${pid}/docker.sock`,
    bridge: `${PREFIX}${pid}`.slice(0, 15),
  };
}
