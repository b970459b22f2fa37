// A real container engine for the image test: Debian's docker.io (installed when missing),
// a dockerd of our own — its own data root, exec root, socket and bridge, so it collides
// with nothing else on the machine — with --iptables=false --ip-masq=false
// --ip-forward=false (this kind of machine has no usable iptables): containers are reached
// on their bridge address, and the build uses the host's network. A janitor process
// (janitor.ts) started before anything is made removes it all when stop() is called or when
// this process dies however it dies.
import { execa } from 'execa';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { remains, specFor, staleSpecs, teardownEngine, type EngineSpec } from './teardown.js';

const JANITOR = fileURLToPath(new URL('./janitor.ts', import.meta.url));
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
/** Debian's CLI, of the same version as its daemon (a newer CLI elsewhere on PATH needs buildx for BuildKit). */
export const DOCKER_CLI = '/usr/bin/docker';
const DOCKERD = '/usr/sbin/dockerd';
const DATA_ROOT_TMPFS = '12g';

export interface Engine {
  spec: EngineSpec;
  /** The bridge's /24, e.g. 10.214.57 (containers get .2 and up). */
  subnet: string;
  /** The CLI's argv prefix for this daemon. */
  argv: string[];
  env: Record<string, string>;
  docker(args: string[], options?: DockerOptions): Promise<DockerResult>;
  stop(): Promise<string[]>;
}

type Say = (line: string) => void;
export interface DockerOptions {
  reject?: boolean;
  timeout?: number;
  cwd?: string;
  extraEnv?: Record<string, string>;
}
export interface DockerResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  all: string;
}

/** Installs docker.io (and debootstrap, for the base image) from Debian when missing. */
export async function ensureDockerInstalled(say: Say): Promise<void> {
  const missing = (
    await Promise.all(
      ['docker.io', 'debootstrap', 'zstd'].map(async (p) => {
        const r = await execa('dpkg-query', ['-W', '-f=${Status}', p], { reject: false });
        return r.stdout.includes('install ok installed') ? undefined : p;
      }),
    )
  ).filter((p): p is string => !!p);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error(`the image test installs ${missing.join(', ')} and runs dockerd: run it as root`);
  say(`installing ${missing.join(', ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  // The package must not start the system's dockerd: ours is the only one.
  const policy = '/usr/sbin/policy-rc.d';
  const madePolicy = !existsSync(policy);
  if (madePolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const install = ['install', '-y', '-qq', '--no-install-recommends', ...missing];
    const first = await execa('apt-get', install, { env, reject: false });
    if (first.exitCode !== 0) {
      await execa('apt-get', ['update', '-qq'], { env });
      await execa('apt-get', install, { env });
    }
  } finally {
    if (madePolicy) await execa('rm', ['-f', policy]);
  }
}

/**
 * Gives `bridge` a free 10.214.N.1/24. Two runs at once (the image test and the image bench,
 * say) may pick the same N between looking and taking: each checks after taking that no
 * other interface has it, and gives it back and picks again if one does.
 */
async function claimSubnet(bridge: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const used = (await execa('ip', ['-4', '-o', 'route', 'show', 'table', 'all'])).stdout;
    const net = `10.214.${1 + Math.floor(Math.random() * 254)}`;
    if (used.includes(`${net}.`)) continue;
    await execa('ip', ['addr', 'add', `${net}.1/24`, 'dev', bridge]);
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    const holders = (await execa('ip', ['-4', '-o', 'addr', 'show'])).stdout
      .split('\n')
      .filter((l) => l.includes(` ${net}.`))
      .map((l) => l.split(/\s+/)[1]);
    if (holders.every((name) => name === bridge)) return net;
    await execa('ip', ['addr', 'del', `${net}.1/24`, 'dev', bridge]);
  }
  throw new Error('no free 10.214.N.0/24 subnet found');
}

async function startJanitor(spec: EngineSpec): Promise<() => Promise<void>> {
  const child = execa(process.execPath, ['--import', 'tsx', JANITOR, JSON.stringify(spec)], {
    env: { PATH },
    extendEnv: false,
    detached: true,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'inherit',
    reject: false,
    buffer: false,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the image janitor did not start within 20 s')), 20_000);
    createInterface({ input: child.stdout }).once('line', () => {
      clearTimeout(timer);
      resolve();
    });
    void child.then((r) => {
      clearTimeout(timer);
      reject(new Error(`the image janitor exited at start (${r.exitCode ?? r.signal})`));
    });
  });
  return async () => {
    child.stdin.end();
    const result = await child;
    if (result.exitCode !== 0)
      throw new Error(`the image janitor could not remove everything (exit ${result.exitCode})`);
  };
}

export async function startEngine(say: Say): Promise<Engine> {
  for (const stale of staleSpecs()) {
    const problems = teardownEngine(stale);
    say(`removed a killed run's engine ${stale.dir}${problems.length ? `: ${problems.join('; ')}` : ''}`);
  }
  const spec = specFor(process.pid);
  const finish = await startJanitor(spec);
  mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
  mkdirSync(spec.execRoot, { recursive: true, mode: 0o700 });
  // The data root on a tmpfs of its own: overlay2 works on it, the build does no disk I/O,
  // and removing a few hundred thousand files of layers is one umount (rm took ~3 minutes
  // on a loaded disk). The size is a cap; memory is used only for what is written (~4 GB).
  mkdirSync(`${spec.dir}/data`, { mode: 0o700 });
  await execa('mount', ['-t', 'tmpfs', '-o', `size=${DATA_ROOT_TMPFS},mode=0700`, 'rvimg-data', `${spec.dir}/data`]);
  await execa('ip', ['link', 'add', spec.bridge, 'type', 'bridge']);
  const subnet = await claimSubnet(spec.bridge);
  await execa('ip', ['link', 'set', spec.bridge, 'up']);
  // An empty daemon.json of our own: nothing of the system's Docker configuration applies.
  writeFileSync(`${spec.dir}/daemon.json`, '{}\n');
  mkdirSync(`${spec.dir}/cli`, { recursive: true });
  const daemon = execa(
    DOCKERD,
    [
      `--config-file=${spec.dir}/daemon.json`,
      `--data-root=${spec.dir}/data`,
      `--exec-root=${spec.execRoot}`,
      `--pidfile=${spec.execRoot}/dockerd.pid`,
      `--host=unix://${spec.socket}`,
      '--storage-driver=overlay2',
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      `--bridge=${spec.bridge}`,
      '--userland-proxy=false',
      '--log-level=warn',
    ],
    {
      env: { PATH },
      extendEnv: false,
      detached: true,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      reject: false,
      buffer: false,
    },
  );
  const daemonLog: string[] = [];
  createInterface({ input: daemon.stderr }).on('line', (l) => daemonLog.push(l));
  daemon.unref();
  const env = { PATH, DOCKER_CONFIG: `${spec.dir}/cli`, DOCKER_HOST: `unix://${spec.socket}` };
  const docker = async (args: string[], options: DockerOptions = {}): Promise<DockerResult> => {
    const r = await execa(DOCKER_CLI, args, {
      env: { ...env, ...options.extraEnv },
      extendEnv: false,
      stdin: 'ignore',
      all: true,
      reject: options.reject ?? true,
      ...(options.timeout ? { timeout: options.timeout } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, all: r.all };
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if ((await docker(['version', '--format', '{{.Server.Version}}'], { reject: false })).exitCode === 0) break;
    if (daemon.exitCode !== undefined && daemon.exitCode !== null)
      throw new Error(`dockerd exited at start: ${daemonLog.slice(-5).join(' | ')}`);
    if (Date.now() > until) throw new Error(`dockerd did not answer within 60 s: ${daemonLog.slice(-5).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const info = await docker(['info', '--format', '{{.Driver}}']);
  if (info.stdout.trim() !== 'overlay2') throw new Error(`dockerd runs ${info.stdout.trim()}, not overlay2`);
  return {
    spec,
    subnet,
    argv: [DOCKER_CLI, '-H', `unix://${spec.socket}`],
    env,
    docker,
    stop: async () => {
      await finish();
      return remains(spec);
    },
  };
}
