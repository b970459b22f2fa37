// Publishing and looking up backend addresses through a real local-directory store: records
// and docassemble keys written, refreshed and deleted; fresh records found, stale ones
// ignored (and said so), a bounded wait that ends in RV_DISCOVERY_TIMEOUT, an app host that
// waits and then joins, and the watcher that follows a backend to a new address.
import { rm, writeFile } from 'node:fs/promises';
import { FsStore } from '../../../src/store/fs-store.js';
import { startPublishing, type Publisher } from '../../../src/discovery/publish.js';
import { resolveEndpoints } from '../../../src/discovery/lookup.js';
import { watchEndpoints, type EndpointChange } from '../../../src/discovery/watch.js';
import type { RecordDraft } from '../../../src/discovery/record.js';
import { isRolevisorError } from '../../../src/errors.js';
import { memoryLogger, tempHome, testSettings } from '../../helpers/env.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let store: FsStore;
const publishers: Publisher[] = [];

beforeEach(async () => {
  home = await tempHome('rolevisor-discovery-');
  store = new FsStore({ root: `${home.dir}/store`, log: memoryLogger().log });
  await store.check();
});
afterEach(async () => {
  await Promise.all(publishers.splice(0).map((p) => p.stop()));
  await home.cleanup();
});

const ROLES = ['sql', 'redis', 'rabbitmq', 'log'];
const drafts = (address: string, host = 'backend-1'): RecordDraft[] => [
  { service: 'sql', address, port: 5433, host, roles: ROLES },
  { service: 'redis', address, port: 6380, host, roles: ROLES },
  { service: 'rabbitmq', address, port: 5673, host, roles: ROLES },
  { service: 'log', address, port: 1514, host, roles: ROLES },
];
async function publish(
  address: string,
  options: Parameters<typeof startPublishing>[3] = {},
  host?: string,
): Promise<Publisher> {
  const p = await startPublishing(store, drafts(address, host), memoryLogger().log, options);
  publishers.push(p);
  return p;
}
const appSettings = (env: Record<string, string> = {}) => testSettings({ CONTAINERROLE: 'web:celery', ...env });
const readJson = async (key: string) => JSON.parse((await store.getText(key))!) as Record<string, unknown>;
const until = async (check: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('publish', () => {
  test("writes a record per service and docassemble's hostname keys", async () => {
    const p = await publish('10.1.0.5', { ttlSeconds: 30 });
    expect(await readJson('discovery/sql.json')).toEqual({
      service: 'sql',
      address: '10.1.0.5',
      port: 5433,
      host: 'backend-1',
      roles: ROLES,
      updatedAt: expect.any(String),
      ttlSeconds: 30,
      instance: p.instance,
    });
    expect((await store.list('discovery/')).map((o) => o.key)).toEqual([
      'discovery/log.json',
      'discovery/rabbitmq.json',
      'discovery/redis.json',
      'discovery/sql.json',
    ]);
    for (const key of ['hostname-sql', 'hostname-redis', 'hostname-rabbitmq', 'hostname-log', 'ip-rabbitmq'])
      expect(await store.getText(key)).toBe('10.1.0.5');
  });

  test('refreshes updatedAt every refresh interval', async () => {
    await publish('10.1.0.5', { ttlSeconds: 30, refreshMs: 150 });
    const first = (await readJson('discovery/redis.json')).updatedAt as string;
    await until(async () => (await readJson('discovery/redis.json')).updatedAt !== first);
    expect(Date.parse((await readJson('discovery/redis.json')).updatedAt as string)).toBeGreaterThan(Date.parse(first));
  });

  test('a clean stop deletes the records and keys it wrote, and nothing else', async () => {
    await store.putText('config.yml', 'x: 1\n');
    const p = await publish('10.1.0.5');
    await p.stop();
    expect((await store.list('')).map((o) => o.key)).toEqual(['config.yml']);
  });

  test('a newer backend takes over: the old one stops refreshing and its stop leaves the new records', async () => {
    const old = await publish('10.1.0.5', { refreshMs: 100 }, 'backend-old');
    const { log, lines } = memoryLogger();
    const fresh = await startPublishing(store, drafts('10.1.0.9', 'backend-new'), log, { refreshMs: 100 });
    publishers.push(fresh);
    // The new one warned that it replaced live records.
    expect(lines().find((l) => l.level === 'warn')?.msg).toMatch(
      /replacing the sql record of host backend-old \(10\.1\.0\.5\)/,
    );
    await new Promise((r) => setTimeout(r, 400)); // several refreshes of both
    expect((await readJson('discovery/sql.json')).address).toBe('10.1.0.9');
    await old.stop();
    expect((await readJson('discovery/sql.json')).instance).toBe(fresh.instance);
    expect(await store.getText('hostname-sql')).toBe('10.1.0.9');
    await fresh.stop();
    expect(await store.list('')).toEqual([]);
  });

  test('a store that fails at first: a warning, retries at the refresh interval, then the records', async () => {
    // The store's directory is a plain file: every write fails (ENOTDIR) until it is fixed.
    const root = `${home.dir}/broken`;
    await writeFile(root, 'not a directory');
    const broken = new FsStore({ root, log: memoryLogger().log });
    const { log, lines } = memoryLogger();
    const p = await startPublishing(broken, drafts('10.1.0.5'), log, { refreshMs: 150 });
    publishers.push(p);
    expect(lines().find((l) => l.level === 'warn')?.msg).toMatch(
      /^could not publish the discovery records \(.*\); retrying every 0 s$/,
    );
    await rm(root);
    await until(async () => (await broken.getText('discovery/sql.json')) !== undefined);
    await until(async () => lines().some((l) => String(l.msg).startsWith('published sql at 10.1.0.5:5433')));
    expect(lines().filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  test('a host without backend roles publishes nothing', async () => {
    const p = await startPublishing(store, [], memoryLogger().log);
    await p.stop();
    expect(await store.list('')).toEqual([]);
  });
});

describe('resolveEndpoints', () => {
  test('fresh records give the app its endpoints, with credentials from its own settings', async () => {
    await publish('10.1.0.5');
    const { log, lines } = memoryLogger();
    const endpoints = await resolveEndpoints(appSettings(), store, log, { timeoutMs: 2000 });
    expect(endpoints).toEqual({
      dbHost: '10.1.0.5',
      dbPort: 5433,
      redisUrl: 'redis://10.1.0.5:6380',
      rabbitmqUrl: 'amqp://guest:guest@10.1.0.5:5673//',
      logServer: '10.1.0.5:1514',
    });
    expect(lines().map((l) => l.msg)).toContain('found sql: 10.1.0.5:5433 (host backend-1)');
  });

  test('explicit settings win and a backend host waits for nothing', async () => {
    const t0 = Date.now();
    const endpoints = await resolveEndpoints(
      appSettings({
        DBHOST: 'db.example',
        DBPORT: '6000',
        REDIS: 'redis://cache:7000',
        RABBITMQ: 'amqp://u:pw12@mq:5672//',
        LOGSERVER: 'null',
      }),
      store,
      memoryLogger().log,
      { timeoutMs: 5000 },
    );
    expect(endpoints).toEqual({
      dbHost: 'db.example',
      dbPort: 6000,
      redisUrl: 'redis://cache:7000',
      rabbitmqUrl: 'amqp://u:pw12@mq:5672//',
      logServer: undefined,
    });
    const backend = await resolveEndpoints(
      testSettings({ CONTAINERROLE: 'sql:redis:rabbitmq:log' }),
      store,
      memoryLogger().log,
      { timeoutMs: 5000 },
    );
    expect(backend).toMatchObject({ dbHost: 'localhost', redisUrl: 'redis://localhost:6379' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('stale records are ignored and said so; the wait ends in RV_DISCOVERY_TIMEOUT naming what is missing', async () => {
    await publish('10.1.0.5');
    // The backend was killed 5 minutes ago: its records are still there, old.
    const old = { ...(await readJson('discovery/sql.json')), updatedAt: new Date(Date.now() - 300_000).toISOString() };
    await store.putText('discovery/sql.json', JSON.stringify(old));
    await store.delete('discovery/rabbitmq.json');
    await store.delete('hostname-rabbitmq');
    const { log, lines } = memoryLogger();
    const t0 = Date.now();
    const error: unknown = await resolveEndpoints(appSettings({ DISCOVERYTIMEOUT: '1' }), store, log, {
      timeoutMs: 1200,
      pollMs: 200,
      logEveryMs: 500,
    }).catch((e: unknown) => e);
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(1200);
    expect(ms).toBeLessThan(2500);
    expect(isRolevisorError(error) && error.code).toBe('RV_DISCOVERY_TIMEOUT');
    const e = error as import('../../../src/errors.js').RolevisorError;
    expect(e.exitCode).toBe(79);
    expect(e.message).toMatch(
      /^no fresh discovery record for sql, rabbitmq in the local directory .* after 1 s; start the backend .* or set DBHOST, RABBITMQ explicitly; DISCOVERYTIMEOUT \(now 1 s\)/,
    );
    expect(e.details).toEqual([
      expect.stringMatching(/^sql: stale record of host backend-1 \(10\.1\.0\.5\), 30\d s old, TTL 60 s; ignored$/),
      'rabbitmq: no record yet',
    ]);
    const waiting = lines().filter((l) => String(l.msg).startsWith('waiting for the backend'));
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(waiting[0].msg).toMatch(/sql: stale record .* 30\d s old/);
  });

  test('an app started before the backend waits, then joins when the records appear', async () => {
    const { log, lines } = memoryLogger();
    const t0 = Date.now();
    const pending = resolveEndpoints(appSettings(), store, log, { timeoutMs: 10_000, pollMs: 100 });
    await new Promise((r) => setTimeout(r, 800));
    await publish('10.1.0.7');
    const endpoints = await pending;
    expect(endpoints.dbHost).toBe('10.1.0.7');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(lines().find((l) => String(l.msg).startsWith('waiting for the backend'))?.msg).toMatch(
      /sql: no record yet; redis: no record yet; rabbitmq: no record yet — 0 of 10 s/,
    );
  });

  test('the log server is optional: the app starts without it', async () => {
    await publish('10.1.0.5');
    await store.delete('discovery/log.json');
    await store.delete('hostname-log');
    const { log, lines } = memoryLogger();
    const endpoints = await resolveEndpoints(appSettings(), store, log, { timeoutMs: 2000 });
    expect(endpoints.logServer).toBeUndefined();
    expect(lines().map((l) => l.msg)).toContain(
      'no log record: logs are not forwarded until a log server publishes one',
    );
  });

  test("docassemble's hostname keys are used when no discovery record exists, never behind a stale one", async () => {
    for (const s of ['sql', 'redis', 'rabbitmq']) await store.putText(`hostname-${s}`, '10.2.0.3\n');
    const endpoints = await resolveEndpoints(appSettings(), store, memoryLogger().log, { timeoutMs: 2000 });
    expect(endpoints).toMatchObject({
      dbHost: '10.2.0.3',
      dbPort: 5432,
      redisUrl: 'redis://10.2.0.3:6379',
      rabbitmqUrl: 'amqp://guest:guest@10.2.0.3:5672//',
    });
    // A killed rolevisor backend leaves both: the stale record hides the key.
    await publish('10.1.0.5');
    const stale = {
      ...(await readJson('discovery/redis.json')),
      updatedAt: new Date(Date.now() - 120_000).toISOString(),
    };
    await publishers.pop()!.stop();
    await store.putText('discovery/redis.json', JSON.stringify(stale));
    for (const s of ['sql', 'redis', 'rabbitmq']) await store.putText(`hostname-${s}`, '10.2.0.3');
    const error: unknown = await resolveEndpoints(appSettings(), store, memoryLogger().log, {
      timeoutMs: 300,
      pollMs: 100,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no fresh discovery record for redis /);
  });

  test('a shutdown during the wait aborts it at once', async () => {
    const controller = new AbortController();
    const pending = resolveEndpoints(appSettings(), store, memoryLogger().log, {
      timeoutMs: 60_000,
      pollMs: 5000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('SIGTERM')), 200);
    const t0 = Date.now();
    await expect(pending).rejects.toThrow('SIGTERM');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('watchEndpoints', () => {
  test('calls back when the backend comes back on a new address, not while it is down', async () => {
    const first = await publish('10.1.0.5');
    const settings = appSettings();
    const initial = await resolveEndpoints(settings, store, memoryLogger().log, { timeoutMs: 2000 });
    const changes: EndpointChange[] = [];
    const watcher = watchEndpoints(settings, store, memoryLogger().log, {
      initial,
      intervalMs: 100,
      settleMs: 100,
      onChange: (c) => {
        changes.push(c);
      },
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      await first.stop(); // the backend is down: no records at all
      await new Promise((r) => setTimeout(r, 300));
      expect(changes).toEqual([]);
      await publish('10.1.0.8'); // back, elsewhere
      await until(async () => changes.length > 0);
      expect(changes[0].changed).toEqual(['sql', 'redis', 'rabbitmq', 'log']);
      expect(changes[0].previous).toEqual(initial);
      expect(changes[0].endpoints).toEqual({
        dbHost: '10.1.0.8',
        dbPort: 5433,
        redisUrl: 'redis://10.1.0.8:6380',
        rabbitmqUrl: 'amqp://guest:guest@10.1.0.8:5673//',
        logServer: '10.1.0.8:1514',
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(changes).toHaveLength(1); // adopted: not reported again
    } finally {
      await watcher.stop();
    }
  });

  test('a failed onChange is retried at the next poll; settings are never watched', async () => {
    await publish('10.1.0.5');
    const settings = appSettings({ DBHOST: 'db.fixed' });
    const initial = await resolveEndpoints(settings, store, memoryLogger().log, { timeoutMs: 2000 });
    let calls = 0;
    const seen: EndpointChange[] = [];
    const watcher = watchEndpoints(settings, store, memoryLogger().log, {
      initial,
      intervalMs: 100,
      settleMs: 50,
      onChange: (c) => {
        calls += 1;
        if (calls === 1) throw new Error('render failed');
        seen.push(c);
      },
    });
    try {
      await publishers.pop()!.stop();
      await publish('10.1.0.6');
      await until(async () => seen.length > 0);
      expect(calls).toBe(2);
      expect(seen[0].changed).toEqual(['redis', 'rabbitmq', 'log']);
      expect(seen[0].endpoints.dbHost).toBe('db.fixed');
    } finally {
      await watcher.stop();
    }
  });
});
