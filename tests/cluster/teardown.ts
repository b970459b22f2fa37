// Removing a cluster test's network, synchronously and idempotently: every process left in
// its namespaces is SIGKILLed, then the links and the namespaces are deleted. Used by the
// janitor (janitor.ts) and to sweep what a killed earlier run left behind.
import { execaSync } from 'execa';
import { readFileSync } from 'node:fs';

export const PREFIX = 'rvc';
const PATH = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';

export const ipSync = (args: string[]) => execaSync('ip', args, { env: { PATH }, extendEnv: false, reject: false });

/** Whether `pid` is a live process (a zombie, killed but not yet reaped, is not). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidsIn(netns: string): number[] {
  const result = ipSync(['netns', 'pids', netns]);
  if (result.exitCode !== 0) return [];
  return String(result.stdout)
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && pidAlive(n));
}

/** SIGKILLs `pids` (those still alive) and waits, bounded, until they are gone. */
export function killPids(pids: number[], timeoutMs = 5000): void {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(pidAlive);
    if (alive.length === 0) return;
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    if (Date.now() > until) throw new Error(`still alive after SIGKILL: ${alive.join(', ')}`);
    sleepSync(50);
  }
}

/** SIGKILLs every process whose network namespace is `netns`, until none is left (bounded). */
export function killAllIn(netns: string, timeoutMs = 5000): void {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const pids = pidsIn(netns);
    if (pids.length === 0) return;
    killPids(pids, Math.max(0, until - Date.now()));
    if (Date.now() > until) throw new Error(`processes keep appearing in ${netns}`);
  }
}

export function netnsNames(): string[] {
  return String(ipSync(['netns', 'list']).stdout)
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

export function linkNames(): string[] {
  return String(ipSync(['-o', 'link', 'show']).stdout)
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '')
    .filter(Boolean);
}

/** Kills the namespaces' processes, deletes the links (veths before the bridge), then the namespaces. */
export function teardownNetwork(netnses: string[], links: string[]): void {
  const existingNs = new Set(netnsNames());
  for (const ns of netnses) if (existingNs.has(ns)) killAllIn(ns);
  // Deleting the root end of a veth removes its peer at once; a deleted namespace frees
  // its devices only later (asynchronously).
  const existingLinks = new Set(linkNames());
  const ordered = [...links].sort((a, b) => Number(a.endsWith('br')) - Number(b.endsWith('br')));
  for (const link of ordered) if (existingLinks.has(link)) ipSync(['link', 'del', 'dev', link]);
  for (const ns of netnses) if (existingNs.has(ns)) ipSync(['netns', 'del', ns]);
}

/** Our namespaces and links whose names carry `pid`: rvc-<pid>-<host>, rvc<pid>br, rvc<pid>h<i>. */
export function remains(pid: number): { netnses: string[]; links: string[] } {
  return {
    netnses: netnsNames().filter((n) => n.startsWith(`${PREFIX}-${pid}-`)),
    links: linkNames().filter((n) => new RegExp(`^${PREFIX}${pid}(br|h\\d+)$`).test(n)),
  };
}

/** Removes namespaces and links of earlier runs whose process is gone (and whose janitor failed too). */
export function sweepLeftovers(): { netnses: string[]; links: string[] } {
  const dead = (name: string, pattern: RegExp) => {
    const m = pattern.exec(name);
    return m !== null && !pidAlive(Number(m[1]));
  };
  const netnses = netnsNames().filter((n) => dead(n, new RegExp(`^${PREFIX}-(\\d+)-`)));
  const links = linkNames().filter((n) => dead(n, new RegExp(`^${PREFIX}(\\d+)(?:br|h\\d+)$`)));
  teardownNetwork(netnses, links);
  return { netnses, links };
}
