// A small private network of "hosts" for cluster tests: one Linux network namespace per
// host, each with loopback and one veth whose other end sits on a bridge in the root
// namespace. The bridge has the subnet's .1, so a process in the root namespace (the test
// itself, s3rver) reaches every host and every host reaches it. There is no default route:
// the hosts reach only this subnet and their own loopback.
//
// Names carry this process's pid (rvc-<pid>-<host>; links rvc<pid>br, rvc<pid>h<i>), so
// parallel runs do not collide. A janitor process (janitor.ts), started before anything is
// created, removes the network, the registered helper processes and temp directories when
// destroy() is called or when this process dies however it dies.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PREFIX, remains, sweepLeftovers } from './teardown.js';

const SUBNET_PREFIX = '10.213';
const FIRST_HOST_OCTET = 10;
const JANITOR = fileURLToPath(new URL('./janitor.ts', import.meta.url));
const ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };

export interface NetnsHost {
  /** The name the test uses: "backend", "app1", ... */
  name: string;
  /** The network namespace: rvc-<pid>-<name>. */
  netns: string;
  /** The host's address on the bridge (its eth0). */
  address: string;
  /** The root-namespace end of its veth pair. */
  veth: string;
}

export interface Network {
  /** e.g. 10.213.57.0/24 */
  subnet: string;
  /** The bridge's address in the root namespace (the subnet's .1). */
  gateway: string;
  bridge: string;
  hosts: Record<string, NetnsHost>;
  /** Runs a command inside a host's namespace (argument array, PATH only as environment). */
  exec(host: string, file: string, args: string[], options?: { reject?: boolean }): ResultPromise<{ reject: boolean }>;
  /** Has the janitor also kill these root-namespace processes and remove these temp dirs (rolevisor-*) at the end. */
  guard(resources: { pids?: number[]; dirs?: string[] }): void;
  /** Kills whatever is left in the namespaces and the guarded processes, removes links, namespaces and guarded dirs. */
  destroy(): Promise<void>;
}

const ip = (args: string[]) => execa('ip', args, { env: ENV, extendEnv: false });

/** The command line that runs `file args` inside `netns` (ip netns exec execs it: same pid). */
export function inNetns(netns: string, file: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', netns, file, ...args]];
}

async function pickSubnet(): Promise<number> {
  const used =
    (await ip(['-4', '-o', 'route', 'show', 'table', 'all'])).stdout + (await ip(['-4', '-o', 'addr', 'show'])).stdout;
  for (let attempt = 0; attempt < 50; attempt++) {
    const octet = 1 + Math.floor(Math.random() * 254);
    if (!used.includes(`${SUBNET_PREFIX}.${octet}.`)) return octet;
  }
  throw new Error(`no free ${SUBNET_PREFIX}.N.0/24 subnet found`);
}

interface Janitor {
  send(resources: { pids?: number[]; dirs?: string[] }): void;
  finish(): Promise<void>;
}

async function startJanitor(netnses: string[], links: string[]): Promise<Janitor> {
  const child = execa(process.execPath, ['--import', 'tsx', JANITOR, JSON.stringify({ netnses, links })], {
    env: ENV,
    extendEnv: false,
    detached: true,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'inherit',
    reject: false,
    buffer: false,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the cluster janitor did not start within 20 s'));
    }, 20_000);
    createInterface({ input: child.stdout }).once('line', () => {
      clearTimeout(timer);
      resolve();
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`the cluster janitor exited at start (${r.exitCode ?? r.signal})`));
    });
  });
  return {
    send: (resources) => {
      child.stdin.write(`${JSON.stringify(resources)}\n`);
    },
    finish: async () => {
      child.stdin.end();
      const timeout = new Promise<'timeout'>((resolve) => {
        const t = setTimeout(() => resolve('timeout'), 60_000);
        void child.then(() => clearTimeout(t));
      });
      if ((await Promise.race([child, timeout])) === 'timeout')
        throw new Error('the cluster janitor did not finish within 60 s');
      const result = await child;
      if (result.exitCode !== 0)
        throw new Error(
          `the cluster janitor could not remove everything (exit ${result.exitCode ?? result.signal}); see its message above`,
        );
    },
  };
}

/** Creates the bridge and one namespace per host name. On any failure it removes what it made. */
export async function createNetwork(hostNames: string[]): Promise<Network> {
  if (process.getuid?.() !== 0) throw new Error('cluster tests create network namespaces: run them as root');
  sweepLeftovers();
  const id = `${PREFIX}${process.pid}`;
  const net = `${SUBNET_PREFIX}.${await pickSubnet()}`;
  const bridge = `${id}br`;
  const hosts: Record<string, NetnsHost> = {};
  hostNames.forEach((name, i) => {
    hosts[name] = {
      name,
      netns: `${PREFIX}-${process.pid}-${name}`,
      address: `${net}.${FIRST_HOST_OCTET + i}`,
      veth: `${id}h${i}`,
    };
  });
  const janitor = await startJanitor(
    Object.values(hosts).map((h) => h.netns),
    [...Object.values(hosts).map((h) => h.veth), bridge],
  );
  let destroyed: Promise<void> | undefined;
  const destroy = () => {
    destroyed ??= (async () => {
      await janitor.finish();
      const left = remains(process.pid);
      if (left.netnses.length + left.links.length > 0) throw new Error(`left behind: ${JSON.stringify(left)}`);
    })();
    return destroyed;
  };

  try {
    await ip(['link', 'add', 'name', bridge, 'type', 'bridge']);
    await ip(['addr', 'add', `${net}.1/24`, 'dev', bridge]);
    await ip(['link', 'set', 'dev', bridge, 'up']);
    for (const host of Object.values(hosts)) {
      await ip(['netns', 'add', host.netns]);
      await ip(['link', 'add', 'name', host.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns]);
      await ip(['link', 'set', 'dev', host.veth, 'master', bridge]);
      await ip(['link', 'set', 'dev', host.veth, 'up']);
      await ip(['-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
      await ip(['-n', host.netns, 'link', 'set', 'dev', 'eth0', 'up']);
      await ip(['-n', host.netns, 'link', 'set', 'dev', 'lo', 'up']);
    }
  } catch (error) {
    await destroy().catch(() => undefined);
    throw error;
  }

  return {
    subnet: `${net}.0/24`,
    gateway: `${net}.1`,
    bridge,
    hosts,
    exec: (host, file, args, options) => {
      const h = hosts[host];
      if (!h) throw new Error(`no host "${host}" in this network (hosts: ${hostNames.join(', ')})`);
      const [cmd, argv] = inNetns(h.netns, file, args);
      return execa(cmd, argv, { env: ENV, extendEnv: false, reject: options?.reject ?? true });
    },
    guard: (resources) => janitor.send(resources),
    destroy,
  };
}
