// The web front and the workers against real PostgreSQL, Redis and RabbitMQ (rolevisor's own
// service kinds, on a backend home of their own): uwsgi runs
// the demo app, nginx serves it under a URL root over HTTP(S), Celery does its jobs.
// Everything is checked through nginx with real HTTP, and in the backends directly.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createCelery } from '../../../src/services/celery/service.js';
import { createEpmd } from '../../../src/services/epmd/service.js';
import { createPostgres } from '../../../src/services/postgres/service.js';
import { createRabbitmq } from '../../../src/services/rabbitmq/service.js';
import { createRedis } from '../../../src/services/redis/service.js';
import { createNginx } from '../../../src/services/nginx/service.js';
import type { ServiceFactory } from '../../../src/services/types.js';
import { createUwsgi, uwsgiSocketPath } from '../../../src/services/uwsgi/service.js';
import { certsDir } from '../../../src/settings/paths.js';
import type { Settings } from '../../../src/settings/types.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { writeConfigFile } from '../../helpers/config-file.js';
import { json, send } from '../../helpers/https.js';
import { isRunning, processTree } from '../../helpers/process-tree.js';

interface State {
  visits: number;
  cache_hits: number;
  jobs_done: number;
}

const CHROMIUM = '/usr/bin/chromium';
// Opt-in, so that a test run does not rewrite a tracked file every time.
const UPDATE_SCREENSHOT = process.env.ROLEVISOR_UPDATE_SCREENSHOTS === '1';
const SCREENSHOT = new URL('../../../docs/demo-app.png', import.meta.url);

const memory = memoryLogger();
const timings: Record<string, number> = {};
const running = new Map<string, Running>();
let home: Awaited<ReturnType<typeof tempHome>>;
let backendHome: Awaited<ReturnType<typeof tempHome>>;
let env: Record<string, string>;
let settings: Settings;
let base: string;

const seconds = (since: number) => Math.round(performance.now() - since) / 1000;

const DB = { host: '127.0.0.1', name: 'docassemble', user: 'docassemble', password: 'web-test-db-secret' };
let dbPort: number;
let redisUrl: string;

async function start(name: string, factory: ServiceFactory, user: string, withSettings = settings): Promise<Running> {
  const ctx = await serviceContext(withSettings, name, user, memory.log);
  const since = performance.now();
  const service = await startService(factory(ctx), ctx, 60_000);
  timings[`${name} ready (s)`] = seconds(since);
  running.set(name, service);
  return service;
}

async function stop(name: string): Promise<number[]> {
  const service = running.get(name);
  if (!service) throw new Error(`${name} is not running`);
  const tree = processTree(service.child.pid as number);
  const since = performance.now();
  await service.stop();
  timings[`${name} stop (s)`] = seconds(since);
  running.delete(name);
  return tree;
}

async function query(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ ...DB, port: dbPort, database: DB.name });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

async function redisGet(key: string): Promise<string | null> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    return await redis.get(key);
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  home = await tempHome('rolevisor-web-');
  // The backend: PostgreSQL, Redis, epmd and RabbitMQ as rolevisor runs them, in their own home.
  backendHome = await tempHome('rolevisor-web-backend-');
  const backendPorts = {
    db: await freePort(),
    redis: await freePort(),
    amqp: await freePort(),
    dist: await freePort(),
    epmd: await freePort(),
  };
  dbPort = backendPorts.db;
  redisUrl = `redis://127.0.0.1:${backendPorts.redis}`;
  const rabbitmqUrl = `amqp://webtest:web-test-mq-secret@127.0.0.1:${backendPorts.amqp}//`;
  const backend = testSettings({
    ROLEVISOR_HOME: backendHome.dir,
    CONTAINERROLE: 'sql:redis:rabbitmq',
    DBPORT: String(backendPorts.db),
    DBPASSWORD: DB.password,
    REDISPORT: String(backendPorts.redis),
    RABBITMQ: rabbitmqUrl,
    RABBITMQPORT: String(backendPorts.amqp),
    RABBITMQDISTPORT: String(backendPorts.dist),
    EPMDPORT: String(backendPorts.epmd),
  });
  const since = performance.now();
  await start('postgres', createPostgres, 'postgres', backend);
  await start('redis', createRedis, 'redis', backend);
  await start('epmd', createEpmd, 'rabbitmq', backend);
  await start('rabbitmq', createRabbitmq, 'rabbitmq', backend);
  timings['backends total (s)'] = seconds(since);
  const [port, httpsPort] = [await freePort(), await freePort()];
  env = {
    ROLEVISOR_HOME: home.dir,
    CONTAINERROLE: 'web:celery',
    DBHOST: DB.host,
    DBPORT: String(dbPort),
    DBPASSWORD: DB.password,
    REDIS: redisUrl,
    RABBITMQ: rabbitmqUrl,
    PORT: String(port),
    HTTPSPORT: String(httpsPort),
    USEHTTPS: 'true',
    POSTURLROOT: '/demo/',
    DACELERYWORKERS: '2',
  };
  settings = testSettings(env);
  base = `https://127.0.0.1:${httpsPort}/demo`;
  await writeConfigFile(settings);
  await start('uwsgi', createUwsgi, 'www-data');
  await start('nginx', createNginx, 'root');
  await start('celery', createCelery, 'www-data');
}, 150_000);

afterAll(async () => {
  // Started backends first, so stopped last.
  for (const service of [...running.values()].reverse()) await service.stop();
  await home?.cleanup();
  await backendHome?.cleanup();
  console.log(`web/celery timings: ${JSON.stringify(timings, null, 1)}`);
}, 90_000);

test('nginx answers its health location and sends plain HTTP to HTTPS', async () => {
  const health = await send(`http://127.0.0.1:${settings.web.port}/rolevisor-nginx-health`);
  expect(health.status).toBe(204);
  const plain = await send(`http://127.0.0.1:${settings.web.port}/demo/api/state`, {
    headers: { Host: 'example.test' },
  });
  expect(plain.status).toBe(301);
  expect(plain.headers.location).toBe(`https://example.test:${settings.web.httpsPort}/demo/api/state`);
});

test('serves the self-signed pair it generated in certs/ (key 0600) on the TLS port', async () => {
  const crt = join(certsDir(settings), 'nginx.crt');
  const key = join(certsDir(settings), 'nginx.key');
  expect((await stat(key)).mode & 0o777).toBe(0o600);
  expect(memory.lines().some((l) => l.service === 'nginx' && String(l.msg).includes('generated a self-signed'))).toBe(
    true,
  );
  const reply = await send(`${base}/api/state`);
  expect(reply.status).toBe(200);
  const onDisk = new X509Certificate(await readFile(crt));
  expect(reply.certificate?.equals(onDisk.raw)).toBe(true);
  expect(onDisk.subjectAltName).toContain('IP Address:127.0.0.1');
});

test('the app lives under POSTURLROOT only', async () => {
  expect((await send(`${base}`)).headers.location).toBe('/demo/');
  expect((await send(`https://127.0.0.1:${settings.web.httpsPort}/api/state`)).status).toBe(404);
  const page = await send(`${base}/`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('rolevisor</span> demo app');
  expect(page.body).toContain('const api = (path) => "/demo" + path;');
});

test('POST /api/visit inserts a row in PostgreSQL and increments the Redis counter', async () => {
  const before = await json<State>(`${base}/api/state`);
  const after = await json<State>(`${base}/api/visit`, 'POST');
  expect(after.visits).toBe(before.visits + 1);
  expect(after.cache_hits).toBe(before.cache_hits + 1);
  const rows = await query('SELECT count(*)::int AS n, max(remote_addr) AS addr FROM rolevisor_demo_visits');
  expect(rows.rows[0]).toEqual({ n: after.visits, addr: '127.0.0.1' });
  expect(Number(await redisGet('rolevisor-demo:cache_hits'))).toBe(after.cache_hits);
});

test('POST /api/job is done by a Celery worker within 20 s', async () => {
  const before = await json<State>(`${base}/api/state`);
  const since = performance.now();
  const { task_id: taskId } = await json<{ task_id: string }>(`${base}/api/job`, 'POST');
  expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
  let state = before;
  while (state.jobs_done === before.jobs_done && performance.now() - since < 20_000) {
    await new Promise((r) => setTimeout(r, 100));
    state = await json<State>(`${base}/api/state`);
  }
  timings['job enqueued → done (s)'] = seconds(since);
  expect(state.jobs_done).toBe(before.jobs_done + 1);
  expect((await query('SELECT task_id FROM rolevisor_demo_jobs WHERE task_id = $1', [taskId])).rowCount).toBe(1);
  // GET /api/state shows the visits and the job together.
  expect(state).toEqual({ visits: before.visits, cache_hits: before.cache_hits, jobs_done: before.jobs_done + 1 });
  expect(before.visits).toBeGreaterThan(0);
});

test('a client cannot make the app believe another scheme or address', async () => {
  const page = await send(`${base}/`, { headers: { 'X-Forwarded-Proto': 'http', 'X-Forwarded-For': '203.0.113.9' } });
  expect(page.body).toContain('id="scheme">https<');
  expect(page.body).toContain('id="client">127.0.0.1<');
});

test('behind a load balancer, X-Forwarded-Proto and -For reach the app', async () => {
  const lbSettings = testSettings({
    ...env,
    PORT: String(await freePort()),
    USEHTTPS: 'false',
    BEHINDHTTPSLOADBALANCER: 'true',
  });
  await start('nginx-lb', createNginx, 'root', lbSettings);
  const page = await send(`http://127.0.0.1:${lbSettings.web.port}/demo/`, {
    headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' },
  });
  expect(page.status).toBe(200);
  expect(page.body).toContain('id="scheme">https<');
  expect(page.body).toContain('id="client">203.0.113.7<');
  const tree = await stop('nginx-lb');
  expect(tree.filter(isRunning)).toEqual([]);
});

test('headless Chromium renders the demo page', async () => {
  await json(`${base}/api/visit`, 'POST');
  await json(`${base}/api/visit`, 'POST');
  const profile = await mkdtemp(join(tmpdir(), 'rolevisor-chromium-'));
  const png = join(profile, 'demo-app.png');
  try {
    const since = performance.now();
    await execa(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--ignore-certificate-errors',
        '--hide-scrollbars',
        `--screenshot=${png}`,
        '--window-size=1000,700',
        `${base}/`,
      ],
      { env: { HOME: profile, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, extendEnv: false, timeout: 60_000 },
    );
    timings['chromium screenshot (s)'] = seconds(since);
    const image = await readFile(png);
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([1000, 700]);
    expect(image.length).toBeGreaterThan(20_000);
    if (UPDATE_SCREENSHOT) await copyFile(png, SCREENSHOT);
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}, 90_000);

test('stopping nginx, then the workers, leaves no process behind', async () => {
  const trees = [...(await stop('nginx')), ...(await stop('celery')), ...(await stop('uwsgi'))];
  expect(trees.length).toBeGreaterThanOrEqual(3 + 2 + 2);
  expect(trees.filter(isRunning)).toEqual([]);
  expect(existsSync(uwsgiSocketPath(settings))).toBe(false);
}, 90_000);
