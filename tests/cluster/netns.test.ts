// The cluster tests' plumbing: a backend host in its own network namespace, reachable from
// the root namespace at its 10.x address only, storing its backup in s3rver across the
// bridge; the namespaces, links and every process in them are gone afterwards, also when
// the process that made them is interrupted.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import yaml from 'js-yaml';
import pg from 'pg';
import { tempHome } from '../helpers/env.js';
import { leftovers } from '../helpers/processes.js';
import { BASE_ENV } from '../helpers/rolevisor-process.js';
import { HostProcess } from './host-process.js';
import { createNetwork, type Network } from './netns.js';
import { pidAlive, remains } from './teardown.js';
import { startClusterStore, type ClusterStore } from './s3rver-on.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/interrupted-run.ts', import.meta.url));
const STOPTIMEOUT = 30;

describe('cluster plumbing: one backend host in a network namespace', () => {
  let network: Network;
  let store: ClusterStore;
  let home: Awaited<ReturnType<typeof tempHome>>;
  let backend: HostProcess;
  let address: string;

  beforeAll(async () => {
    network = await createNetwork(['backend']);
    address = network.hosts.backend.address;
    store = await startClusterStore(network.gateway);
    home = await tempHome('rolevisor-cluster-');
    network.guard({ pids: [store.child.pid!], dirs: [store.dir, home.dir] });
    backend = new HostProcess(network.hosts.backend, {
      CONTAINERROLE: 'sql:redis:rabbitmq:log',
      ROLEVISOR_HOME: home.dir,
      ADVERTISEADDRESS: address,
      DBPASSWORD: 'plumbing-db-pw',
      STOPTIMEOUT: String(STOPTIMEOUT),
      // The stop's generation is what this test checks (dump mode); continuous archiving has its own tests.
      ARCHIVESECONDS: '0',
      DISCOVERYTTL: '10',
      DISCOVERYTIMEOUT: '60',
      ...store.env,
    });
    await backend.ready(180_000);
  }, 240_000);

  afterAll(async () => {
    if (backend?.running) await backend.stop('SIGTERM', STOPTIMEOUT * 1000).catch(() => undefined);
    await network?.destroy();
    await store?.stop();
    await home?.cleanup();
  }, 60_000);

  test('the host has loopback and its address on the bridge, and no route elsewhere', async () => {
    const addrs = (await network.exec('backend', 'ip', ['-4', '-o', 'addr', 'show'])).stdout;
    expect(addrs).toMatch(/\blo\s+inet 127\.0\.0\.1\/8/);
    expect(addrs).toContain(`eth0    inet ${address}/24`);
    const routes = (await network.exec('backend', 'ip', ['-4', 'route', 'show'])).stdout.trim().split('\n');
    expect(routes).toEqual([expect.stringMatching(new RegExp(`^${network.subnet.replace(/\./g, '\\.')} dev eth0 `))]);
  });

  test("from the root namespace: /readyz, PostgreSQL and Redis answer at the host's address", async () => {
    const ready = await fetch(`http://${address}:8088/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, phase: 'running' });

    const client = new pg.Client({
      host: address,
      port: 5432,
      user: 'docassemble',
      password: 'plumbing-db-pw',
      database: 'docassemble',
      connectionTimeoutMillis: 5000,
    });
    await client.connect();
    const { rows } = await client.query<{ addr: string }>('SELECT host(inet_server_addr()) AS addr');
    expect(rows[0].addr).toBe(address);
    await client.end();

    // Redis listens on the network: its password was generated and kept in config.yml.
    const config = yaml.load(await readFile(join(home.dir, 'config', 'config.yml'), 'utf8')) as { redis: string };
    const redis = new Redis({
      host: address,
      port: 6379,
      password: decodeURIComponent(new URL(config.redis).password),
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 1,
    });
    // Disconnected even when an assertion fails: a client left reconnecting to an address that
    // is gone keeps the test process alive (this machine answers connects to any address).
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  test('rolevisor and every service it started run inside the namespace', async () => {
    const inNs = new Set(
      (await execa('ip', ['netns', 'pids', network.hosts.backend.netns], { env: BASE_ENV, extendEnv: false })).stdout
        .split('\n')
        .map(Number),
    );
    const started = backend.lines
      .filter((l) => /^started /.test(l.msg) && typeof l.pid === 'number')
      .map((l) => l.pid as number);
    expect(started.length).toBeGreaterThanOrEqual(5);
    expect(inNs.has(backend.child.pid!)).toBe(true);
    for (const pid of started) expect(inNs.has(pid)).toBe(true);
  });

  test('SIGTERM: exit 0 within STOPTIMEOUT, with a backup in s3rver across the bridge', async () => {
    const { exitCode, ms } = await backend.stop('SIGTERM', STOPTIMEOUT * 1000);
    expect(exitCode).toBe(0);
    expect(ms).toBeLessThan(STOPTIMEOUT * 1000);
    expect(backend.lines.some((l) => /^backup \S+ committed \(stop\)/.test(l.msg))).toBe(true);
    expect((await store.keys()).some((k) => k.endsWith('manifest.json'))).toBe(true);
    expect(await leftovers(home.dir)).toEqual([]);
  });

  test('destroy() removes the namespace, its links and every process in it', async () => {
    const sleeper = network.exec('backend', 'sleep', ['600'], { reject: false });
    await new Promise((r) => setTimeout(r, 200));
    expect(sleeper.exitCode).toBeNull();
    await network.destroy();
    const result = await sleeper;
    expect(result.signal).toBe('SIGKILL');
    expect(remains(process.pid)).toEqual({ netnses: [], links: [] });
  });

  test.each(['SIGINT', 'SIGKILL'] as const)(
    'a test process that dies of %s leaves no namespace, link, process or temp dir behind',
    async (signal) => {
      const child = execa(process.execPath, ['--import', 'tsx', FIXTURE], {
        env: BASE_ENV,
        extendEnv: false,
        reject: false,
        buffer: false,
        stdin: 'ignore',
        stderr: 'inherit',
      });
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        void child.then((r) => reject(new Error(`the fixture exited early (${r.exitCode ?? r.signal})`)));
      });
      const made = JSON.parse(first) as { pid: number; sleeper: number; dir: string; netnses: string[] };
      expect(remains(made.pid).netnses.sort()).toEqual([...made.netnses].sort());
      expect(remains(made.pid).links).toHaveLength(3);
      expect(existsSync(made.dir)).toBe(true);
      child.kill(signal);
      expect((await child).signal).toBe(signal);
      const clean = () =>
        remains(made.pid).netnses.length + remains(made.pid).links.length === 0 &&
        !pidAlive(made.sleeper) &&
        !existsSync(made.dir);
      const until = Date.now() + 20_000;
      while (!clean() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(remains(made.pid)).toEqual({ netnses: [], links: [] });
      expect(pidAlive(made.sleeper)).toBe(false);
      expect(existsSync(made.dir)).toBe(false);
    },
    60_000,
  );
});
