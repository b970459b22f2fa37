// The multi-server arrangement on one machine: three hosts in their own network namespaces
// — one backend (sql:redis:rabbitmq:log) and two app hosts (web:celery) that are given only
// their role, the database password and the S3 settings — sharing s3rver as the store.
// The apps find the backend through discovery records in the store. Scenario (docs/operations.md):
// apps started before the backend wait and then join; then three times: visits and jobs
// through both apps → apps to zero → backend to zero (it backs up to S3) → backend up (it
// restores; twice from a wiped disk, as a new container) → apps up → the same state.
// From cycle 2 on the backend runs with CLUSTERTLS=true (turned on in a running cluster):
// the apps follow the store's config.yml onto TLS, cycle 3 and the move take the CA back
// from the store on a wiped disk, and every plain-text client is refused at the backend. From
// the third cycle's new backend on, the backend archives continuously (the default, but
// REDISSNAPSHOTSECONDS=10 to keep the run short): under a steady stream of visits it is
// killed without warning (SIGKILL of every process in its namespace), its disk thrown away,
// and its next task, on another address, restores from the store; the apps follow it and
// the loss stays within ARCHIVESECONDS (5 s) and REDISSNAPSHOTSECONDS.
import { execa } from 'execa';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { tempHome } from '../helpers/env.js';
import { amqpLogin, pgLogin, redisAnonymousPing } from '../helpers/refusals.js';
import { HostProcess } from './host-process.js';
import { createNetwork, type Network } from './netns.js';
import { startClusterStore, type ClusterStore } from './s3rver-on.js';

const STOPTIMEOUT = 30;
const DISCOVERYTTL = 10;
const DISCOVERYTIMEOUT = 120;
const DBPASSWORD = 'cluster-db-pw-7f3a';
const APPS = ['app1', 'app2'] as const;
const BACKEND_BOOT_MS = 150_000;
const APP_BOOT_MS = 90_000;
/** The continuous backend's bounds on loss: ARCHIVESECONDS (default 5 s) and REDISSNAPSHOTSECONDS. */
const REDISSNAPSHOTSECONDS = 10;
const PG_BOUND_MS = 5000;
/** The docs' allowance on top of REDISSNAPSHOTSECONDS: one snapshot's upload. */
const REDIS_BOUND_MS = REDISSNAPSHOTSECONDS * 1000 + 5000;
const STREAM_MS = 25_000;

interface AppState {
  visits: number;
  cache_hits: number;
  jobs_done: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('cluster: a backend and two web:celery hosts in network namespaces, one S3 store', () => {
  let network: Network;
  let store: ClusterStore;
  const homes: Record<string, Awaited<ReturnType<typeof tempHome>>> = {};
  const current: Record<string, HostProcess | undefined> = {};
  const expected: AppState = { visits: 0, cache_hits: 0, jobs_done: 0 };
  const timings: string[] = [];
  /** CLUSTERTLS on the backend (from cycle 2). */
  let tls = false;
  /** Dump mode (ARCHIVESECONDS=0) for the cycles' generations; continuous from the third cycle's new backend on. */
  let continuous = false;

  const address = (host: string) => network.hosts[host].address;

  /** `backend2` is the backend's next task on another address (its disk: the backend's, wiped). */
  const isBackend = (host: string) => host === 'backend' || host === 'backend2';
  const homeOf = (host: string) => homes[isBackend(host) ? 'backend' : host].dir;

  function start(host: string): HostProcess {
    const env: Record<string, string> = isBackend(host)
      ? {
          CONTAINERROLE: 'sql:redis:rabbitmq:log',
          ROLEVISOR_HOME: homeOf(host),
          ADVERTISEADDRESS: address(host),
          DBPASSWORD,
          STOPTIMEOUT: String(STOPTIMEOUT),
          // The cycles check the stop's generation (dump mode); the last phase, continuous archiving.
          ...(continuous ? { REDISSNAPSHOTSECONDS: String(REDISSNAPSHOTSECONDS) } : { ARCHIVESECONDS: '0' }),
          DISCOVERYTTL: String(DISCOVERYTTL),
          ...(tls ? { CLUSTERTLS: 'true' } : {}),
          ...store.env,
        }
      : // Everything else (DBHOST, REDIS, RABBITMQ, LOGSERVER) the app hosts learn from the store.
        {
          CONTAINERROLE: 'web:celery',
          ROLEVISOR_HOME: homeOf(host),
          DBPASSWORD,
          DISCOVERYTIMEOUT: String(DISCOVERYTIMEOUT),
          ...store.env,
        };
    const rv = new HostProcess(network.hosts[host], env);
    current[host] = rv;
    return rv;
  }

  async function stop(host: string): Promise<{ rv: HostProcess; exitCode: number | undefined; ms: number }> {
    const rv = current[host]!;
    const { exitCode, ms } = await rv.stop('SIGTERM', (STOPTIMEOUT + 10) * 1000);
    current[host] = undefined;
    return { rv, exitCode, ms };
  }

  async function http(host: string, method: 'GET' | 'POST', path: string): Promise<unknown> {
    const response = await fetch(`http://${address(host)}${path}`, { method, signal: AbortSignal.timeout(15_000) });
    const body = await response.text();
    if (response.status !== 200)
      throw new Error(`${method} ${path} on ${host}: HTTP ${response.status}: ${body.slice(0, 300)}`);
    return JSON.parse(body) as unknown;
  }

  const state = (host: string) => http(host, 'GET', '/api/state') as Promise<AppState>;

  /** Both apps' /api/state, once they agree with `want` (jobs finish asynchronously), bounded. */
  async function statesReach(want: AppState, timeoutMs = 30_000): Promise<AppState[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(APPS.map(state));
      if (
        states.every(
          (s) => s.visits === want.visits && s.cache_hits === want.cache_hits && s.jobs_done === want.jobs_done,
        )
      )
        return states;
      if (Date.now() > until) return states;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The backend started and published its records; the apps may start. */
  async function backendUp(host = 'backend'): Promise<HostProcess> {
    const rv = start(host);
    await rv.ready(BACKEND_BOOT_MS);
    await rv.waitForMessage(/^published /, 30_000);
    return rv;
  }

  /** The host is gone at once: SIGKILL of every process in its network namespace, until none is left. */
  async function killHost(host: string): Promise<void> {
    const rv = current[host]!;
    for (let round = 0; round < 50; round++) {
      const pids = (await execa('ip', ['netns', 'pids', network.hosts[host].netns], { reject: false })).stdout
        .split('\n')
        .filter(Boolean)
        .map(Number);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await rv.child;
    current[host] = undefined;
  }

  async function wipeBackendDisk(): Promise<void> {
    const home = homes.backend.dir;
    for (const entry of await readdir(home)) await rm(join(home, entry), { recursive: true, force: true });
  }

  /** An app found every backend service at the backend's address, from the store. */
  function expectFoundBackend(rv: HostProcess): void {
    const backend = escape(address('backend'));
    for (const [service, port] of [
      ['sql', 5432],
      ['redis', 6379],
      ['rabbitmq', 5672],
    ] as const) {
      expect(rv.lines.some((l) => new RegExp(`^found ${service}: ${backend}:${port}\\b`).test(l.msg))).toBe(true);
    }
  }

  /** With CLUSTERTLS: the apps verify the backend, and plain text is refused by each listener at its address. */
  async function expectTls(host: string): Promise<void> {
    const app = yaml.load(await readFile(join(homes[APPS[0]].dir, 'config', 'config.yml'), 'utf8')) as {
      db: Record<string, unknown>;
      redis: string;
      rabbitmq: string;
    };
    expect(app.db['ssl mode']).toBe('verify-full');
    expect(app.redis).toMatch(new RegExp(`^rediss://:[^@]+@${escape(address(host))}:6379\\?`));
    expect(app.rabbitmq).toMatch(/^amqps:\/\//);
    const at = address(host);
    const db = { host: at, port: 5432, user: 'docassemble', password: DBPASSWORD, database: 'docassemble' };
    expect(await pgLogin({ ...db, ssl: false })).toMatch(/no encryption/);
    expect(await redisAnonymousPing(6379, at).catch((e: Error) => e.message)).toMatch(/^$|ECONNRESET/);
    const mq = new URL(app.rabbitmq);
    expect(await amqpLogin(`amqp://${mq.username}:${mq.password}@${at}:5672`)).not.toBe('accepted');
  }

  beforeAll(async () => {
    network = await createNetwork(['backend', ...APPS, 'backend2']);
    store = await startClusterStore(network.gateway);
    for (const host of ['backend', ...APPS]) homes[host] = await tempHome(`rolevisor-cluster-${host}-`);
    network.guard({ pids: [store.child.pid!], dirs: [store.dir, ...Object.values(homes).map((h) => h.dir)] });
  }, 60_000);

  afterAll(async () => {
    // Apps first, then the backend, as in production; bounded, and whatever failed before.
    for (const group of [APPS, ['backend', 'backend2']]) {
      await Promise.all(
        group.map((host) =>
          current[host]?.running
            ? current[host].stop('SIGTERM', (STOPTIMEOUT + 10) * 1000).catch(() => undefined)
            : Promise.resolve(),
        ),
      );
    }
    await network?.destroy();
    await store?.stop();
    for (const home of Object.values(homes)) await home.cleanup();
    if (timings.length > 0) console.log(`cluster timings:\n${timings.join('\n')}`);
  }, 180_000);

  test(
    'app hosts started before the backend wait for it, then join',
    async () => {
      const started = Date.now();
      const apps = APPS.map((host) => start(host));
      for (const app of apps) await app.waitForMessage(/^waiting for the backend/, 30_000);
      for (const app of apps) expect(app.lines.some((l) => /^all services ready/.test(l.msg))).toBe(false);

      await backendUp();
      const backendReady = Date.now();
      await Promise.all(apps.map((app) => app.ready(APP_BOOT_MS)));
      for (const app of apps) expectFoundBackend(app);
      expect(await statesReach(expected)).toEqual([expected, expected]);
      timings.push(
        `apps first: backend up ${seconds(backendReady - started)}, apps ready ${seconds(Date.now() - backendReady)} later`,
      );
    },
    BACKEND_BOOT_MS + APP_BOOT_MS + 60_000,
  );

  test.each([1, 2, 3])(
    'cycle %i: visits and jobs → apps to zero → backend to zero → backend up → apps up → same state',
    async (cycle) => {
      const wipe = cycle !== 1; // cycle 1: the backend keeps its disk (a volume); 2 and 3: a new container
      const t: Record<string, number> = { start: Date.now() };

      // Visits and jobs through both apps.
      for (const host of APPS) {
        for (let i = 0; i < cycle + 1; i++) {
          const after = (await http(host, 'POST', '/api/visit')) as AppState;
          expect(after.visits).toBeGreaterThan(expected.visits);
          expected.visits += 1;
          expected.cache_hits += 1;
        }
        const job = (await http(host, 'POST', '/api/job')) as { task_id?: string };
        expect(typeof job.task_id).toBe('string');
        expected.jobs_done += 1;
      }
      expect(await statesReach(expected)).toEqual([expected, expected]);
      t.work = Date.now();

      // Apps to zero.
      const appStops = await Promise.all(APPS.map(stop));
      for (const { exitCode, ms, rv } of appStops) {
        expect(exitCode).toBe(0);
        expect(ms).toBeLessThan(STOPTIMEOUT * 1000);
        expect(rv.lines.at(-1)?.msg).toBe('rolevisor stopped cleanly');
      }
      t.appsDown = Date.now();

      // Backend to zero: a backup into S3, its discovery records removed, exit 0.
      const backend = await stop('backend');
      expect(backend.exitCode).toBe(0);
      expect(backend.ms).toBeLessThan(STOPTIMEOUT * 1000);
      const committed = backend.rv.lines.find((l) => /^backup \S+ committed \(stop\)/.test(l.msg));
      expect(committed).toBeDefined();
      const keys = await store.keys();
      expect(keys.filter((k) => k.includes(String(committed!.generation)) && k.endsWith('manifest.json'))).toHaveLength(
        1,
      );
      expect(keys.filter((k) => k.startsWith('discovery/'))).toEqual([]);
      t.backendDown = Date.now();

      // The container's local disk is gone: everything must come back from the S3 backup.
      if (wipe) await wipeBackendDisk();
      // The last cycle's new backend archives continuously: the next test kills it.
      if (cycle === 3) continuous = true;

      // Backend up (restoring), then the apps; from cycle 2 with CLUSTERTLS.
      tls = cycle >= 2;
      const up = await backendUp();
      if (cycle === 3)
        expect(up.lines.some((l) => /^CLUSTERTLS: using the cluster CA kept in /.test(l.msg))).toBe(true);
      if (wipe) {
        expect(up.lines.some((l) => /^restored PostgreSQL from generation /.test(l.msg))).toBe(true);
        expect(up.lines.some((l) => /^restored Redis from generation /.test(l.msg))).toBe(true);
      }
      t.backendUp = Date.now();
      const apps = APPS.map((host) => start(host));
      await Promise.all(apps.map((app) => app.ready(APP_BOOT_MS)));
      for (const app of apps) expectFoundBackend(app);
      t.appsUp = Date.now();

      // The same state, through both apps.
      expect(await Promise.all(APPS.map(state))).toEqual([expected, expected]);
      if (tls) await expectTls('backend');

      timings.push(
        `cycle ${cycle}${wipe ? ' (backend disk wiped)' : ''}: total ${seconds(Date.now() - t.start)} — ` +
          `work ${seconds(t.work - t.start)}, apps down ${seconds(t.appsDown - t.work)}, backend down+backup ${seconds(t.backendDown - t.appsDown)}, ` +
          `backend up+restore ${seconds(t.backendUp - t.backendDown)}, apps up ${seconds(t.appsUp - t.backendUp)}`,
      );
    },
    BACKEND_BOOT_MS + 2 * APP_BOOT_MS + 60_000,
  );
  test(
    'the backend killed without warning under steady visits, its disk thrown away: its next task on another address restores; the apps follow; the loss within the bounds',
    async () => {
      const apps = APPS.map((host) => current[host]!);
      const from = apps.map((app) => app.lines.length);
      // Continuous archiving restores from a base backup: the first boot on a store without one takes it.
      await current.backend!.waitForMessage(/^backup \S+ committed/, 120_000);
      // A steady stream of visits through both apps in turn (each a PostgreSQL row and a Redis INCR),
      // each acknowledged one recorded; the backend dies in the middle of it.
      const acks: { visits: number; cache_hits: number; at: number }[] = [];
      let streaming = true;
      const stream = (async () => {
        while (streaming) {
          try {
            const s = (await http(APPS[acks.length % 2], 'POST', '/api/visit')) as AppState;
            acks.push({ visits: s.visits, cache_hits: s.cache_hits, at: Date.now() });
          } catch {
            return; // the backend is gone
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const streamStart = Date.now();
      await new Promise((r) => setTimeout(r, STREAM_MS));
      await killHost('backend');
      streaming = false;
      await stream;
      expect(acks.length).toBeGreaterThan(20);
      // A new task: another address, an empty disk; everything comes back from S3.
      await wipeBackendDisk();
      const up = await backendUp('backend2');
      expect(up.lines.some((l) => /^restored PostgreSQL from base backup /.test(l.msg))).toBe(true);
      expect(up.lines.some((l) => /^restored Redis from snapshot /.test(l.msg))).toBe(true);
      const moved = escape(address('backend2'));
      for (const [i, app] of apps.entries()) {
        await app.waitForMessage(new RegExp(`^backend moved: .*${moved}`), 60_000);
        // The services that use the backend restart with the rewritten config.yml.
        for (const service of ['uwsgi', 'celery']) {
          await app.waitFor(
            (l) => app.lines.indexOf(l) >= from[i] && l.service === service && / is ready$/.test(l.msg),
            120_000,
            `${service} ready again`,
          );
        }
        expect(app.lines.slice(from[i]).some((l) => /^config\.yml rewritten for the moved /.test(l.msg))).toBe(true);
        expect(app.running).toBe(true);
      }
      // What came back: every visit acknowledged more than ARCHIVESECONDS (Redis: REDISSNAPSHOTSECONDS)
      // before the last acknowledged one. Visits were one at a time: an acknowledged count at or
      // below the restored one is a restored commit.
      const restored = await state(APPS[0]);
      const last = acks.at(-1)!;
      const kept = (field: 'visits' | 'cache_hits') =>
        acks.filter((a) => a[field] <= restored[field]).at(-1)?.at ?? streamStart;
      const pgLostMs = last.at - kept('visits');
      const redisLostMs = last.at - kept('cache_hits');
      timings.push(
        `backend killed: visits ${restored.visits} of ${last.visits} acknowledged (${pgLostMs} ms lost), cache hits ${restored.cache_hits} of ${last.cache_hits} (${redisLostMs} ms lost)`,
      );
      expect(pgLostMs).toBeLessThanOrEqual(PG_BOUND_MS);
      expect(redisLostMs).toBeLessThanOrEqual(REDIS_BOUND_MS);
      expect(restored.jobs_done).toBe(expected.jobs_done);
      expected.visits = restored.visits;
      expected.cache_hits = restored.cache_hits;
      expect(await statesReach(expected)).toEqual([expected, expected]);
      const after = (await http(APPS[0], 'POST', '/api/visit')) as AppState;
      expect(after.visits).toBe(expected.visits + 1);
      expected.visits += 1;
      expected.cache_hits += 1;
      const job = (await http(APPS[1], 'POST', '/api/job')) as { task_id?: string };
      expect(typeof job.task_id).toBe('string');
      expected.jobs_done += 1;
      expect(await statesReach(expected)).toEqual([expected, expected]);
      // The new address is in the new task's certificate: the apps verify it (verify-full, TLS everywhere).
      await expectTls('backend2');
      // Log forwarding followed the log server too: the new backend's log role (on the wiped
      // disk, so written since the move) holds the app hosts' Celery lines.
      const celeryLogs = async () => {
        const logDir = join(homes.backend.dir, 'log');
        const hosts = await readdir(logDir).catch(() => [] as string[]);
        const found = await Promise.all(
          hosts.map((h) =>
            readdir(join(logDir, h)).then(
              (files) => files.includes('celery.log'),
              () => false,
            ),
          ),
        );
        return found.some(Boolean);
      };
      const until = Date.now() + 30_000;
      while (!(await celeryLogs()) && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
      expect(await celeryLogs()).toBe(true);
      // One file per program of the app hosts, and nothing else (no file named after a field of a line).
      const logDir = join(homes.backend.dir, 'log');
      for (const h of await readdir(logDir)) {
        for (const file of await readdir(join(logDir, h)))
          expect(['rolevisor.log', 'nginx.log', 'uwsgi.log', 'celery.log']).toContain(file);
      }
    },
    BACKEND_BOOT_MS + 240_000,
  );
});
