// CLUSTERTLS, end to end on one machine: a backend (sql:redis:rabbitmq) started with
// CLUSTERTLS=true makes the cluster CA in the store and serves PostgreSQL, Redis and
// RabbitMQ over TLS only: a plain-text client is refused by each listener on its network
// address, a client that verifies the certificate against the CA gets in. An app host given
// only its role and the bucket takes the CA from the store, verifies the backend
// (verify-full, rediss://, amqps:// in its config.yml) and serves the demo app and a job.
import { readFile, stat } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import yaml from 'js-yaml';
import { freePortSettings, tempHome } from '../helpers/env.js';
import { amqpLogin, pgLogin, redisAnonymousPing } from '../helpers/refusals.js';
import { RolevisorProcess, runCli } from '../helpers/rolevisor-process.js';
import { startS3rver, type S3rverHandle } from '../helpers/s3rver.js';

const BACKEND_PORTS = ['DBPORT', 'REDISPORT', 'RABBITMQPORT', 'RABBITMQDISTPORT', 'EPMDPORT', 'STATUSPORT'];

/** The address the backend publishes (detection falls back to the first non-loopback IPv4). */
function ownAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  throw new Error('no non-loopback IPv4 interface');
}

interface BackendConfig {
  db: { password: string; 'ssl mode'?: string; 'ssl root cert'?: string };
  redis: string;
  rabbitmq: string;
  'cluster ca'?: string;
}

describe('CLUSTERTLS: the backend takes TLS only, app hosts verify it', () => {
  let s3: S3rverHandle;
  let backendHome: Awaited<ReturnType<typeof tempHome>>;
  let appHome: Awaited<ReturnType<typeof tempHome>>;
  let backend: RolevisorProcess;
  let app: RolevisorProcess;
  let ports: Record<string, string>;
  let appPorts: Record<string, string>;
  let ca: Buffer;
  const host = ownAddress();

  const backendConfig = async (): Promise<BackendConfig> =>
    yaml.load(await readFile(join(backendHome.dir, 'config', 'config.yml'), 'utf8')) as BackendConfig;

  beforeAll(async () => {
    s3 = await startS3rver();
    backendHome = await tempHome('rolevisor-tls-backend-');
    appHome = await tempHome('rolevisor-tls-app-');
    ports = await freePortSettings(BACKEND_PORTS);
    appPorts = await freePortSettings(['PORT', 'STATUSPORT']);
    const store = { S3BUCKET: 'tls', S3ENDPOINTURL: s3.endpoint, S3ACCESSKEY: 'S3RVER', S3SECRETACCESSKEY: 'S3RVER' };
    backend = new RolevisorProcess(['run'], {
      CONTAINERROLE: 'sql:redis:rabbitmq',
      CLUSTERTLS: 'true',
      ...store,
      ROLEVISOR_HOME: backendHome.dir,
      ...ports,
    });
    await backend.ready(240_000);
    await backend.waitForMessage(/^published /, 30_000);
    ca = await readFile(join(backendHome.dir, 'tls', 'cluster-ca.crt'));
    app = new RolevisorProcess(['run'], {
      CONTAINERROLE: 'web:celery',
      ...store,
      ROLEVISOR_HOME: appHome.dir,
      DACELERYWORKERS: '1',
      UWSGIPROCESSES: '1',
      ...appPorts,
    });
    await app.ready(180_000);
  }, 480_000);

  afterAll(async () => {
    if (app && app.child.exitCode === null) await app.stop('SIGTERM');
    if (backend && backend.child.exitCode === null) await backend.stop('SIGTERM');
    await s3?.stop();
    await backendHome?.cleanup();
    await appHome?.cleanup();
  }, 120_000);

  test('the CA key is 0600 and root-only; the store holds the CA (tls/), the certificate names the published address', async () => {
    expect((await stat(join(backendHome.dir, 'tls', 'cluster-ca.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(backendHome.dir, 'tls', 'server.key'))).mode & 0o777).toBe(0o600);
    expect(ca.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // A TLS handshake to the published address, verified with the CA and that name.
    const socket = tlsConnect({ host, port: Number(ports.REDISPORT), ca });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    socket.destroy();
    expect(backend.lines.some((l) => /CLUSTERTLS: a new cluster CA kept in the/.test(l.msg))).toBe(true);
  });

  test('PostgreSQL: plain text from the network is refused; TLS verified with the CA gets in', async () => {
    const { db } = await backendConfig();
    const base = {
      host,
      port: Number(ports.DBPORT),
      user: 'docassemble',
      password: db.password,
      database: 'docassemble',
    };
    expect(await pgLogin({ ...base, ssl: false })).toMatch(
      /no pg_hba.conf entry .*no encryption|rejects connection .*no encryption/,
    );
    expect(await pgLogin({ ...base, ssl: { ca, rejectUnauthorized: true } })).toBe('accepted');
    // A client that does not trust the CA is refused by its own check.
    expect(await pgLogin({ ...base, ssl: { rejectUnauthorized: true } })).toMatch(/self.signed|unable to (get|verify)/);
  });

  test('Redis: a plain-text client gets no answer; TLS with the password and the CA gets PONG', async () => {
    // Redis resets a connection whose first bytes are not a TLS handshake.
    const reply = await redisAnonymousPing(Number(ports.REDISPORT), host).catch((error: Error) => error.message);
    expect(reply).toMatch(/^$|ECONNRESET/);
    const password = decodeURIComponent(new URL((await backendConfig()).redis).password);
    const redis = new Redis({
      host,
      port: Number(ports.REDISPORT),
      password,
      tls: { ca },
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  test('RabbitMQ: plain AMQP is refused; amqps with the CA logs in', async () => {
    const url = new URL((await backendConfig()).rabbitmq);
    expect(url.protocol).toBe('amqps:');
    const account = `${url.username}:${url.password}@${host}:${ports.RABBITMQPORT}`;
    expect(await amqpLogin(`amqp://${account}`)).not.toBe('accepted');
    const connection = await amqp.connect(`amqps://${account}`, { timeout: 5000, ca });
    connection.on('error', () => undefined);
    await connection.close();
  });

  test("the app host's config.yml verifies the backend with its own copy of the CA", async () => {
    const config = yaml.load(await readFile(join(appHome.dir, 'config', 'config.yml'), 'utf8')) as BackendConfig;
    const localCa = join(appHome.dir, 'tls', 'cluster-ca.crt');
    expect(config['cluster ca']).toBe(localCa);
    expect(config.db['ssl mode']).toBe('verify-full');
    expect(config.db['ssl root cert']).toBe(localCa);
    const redis = new URL(config.redis);
    expect(redis.protocol).toBe('rediss:');
    expect(redis.hostname).toBe(host);
    expect(redis.searchParams.get('ssl_ca_certs')).toBe(localCa);
    expect(new URL(config.rabbitmq).protocol).toBe('amqps:');
    expect(await readFile(localCa)).toEqual(ca);
    // The app host never holds the CA's key.
    await expect(stat(join(appHome.dir, 'tls', 'cluster-ca.key'))).rejects.toThrow(/ENOENT/);
  });

  test('the app host serves the demo app and does a job over TLS', async () => {
    const base = `http://127.0.0.1:${appPorts.PORT}`;
    expect((await fetch(`${base}/api/visit`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${base}/api/job`, { method: 'POST' })).status).toBe(200);
    let state = { visits: 0, jobs_done: 0 };
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      state = (await (await fetch(`${base}/api/state`)).json()) as typeof state;
      if (state.jobs_done >= 1) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(state.visits).toBeGreaterThanOrEqual(1);
    expect(state.jobs_done).toBeGreaterThanOrEqual(1);
  }, 90_000);

  test('rotate-credentials over TLS: the backend applies new ones, the app host serves again', async () => {
    const before = await backendConfig();
    const rotated = await runCli(['rotate-credentials'], { ROLEVISOR_HOME: backendHome.dir });
    expect(rotated.exitCode).toBe(0);
    const after = await backendConfig();
    expect(after.db.password).not.toBe(before.db.password);
    expect(new URL(after.redis).protocol).toBe('rediss:');
    await app.waitForMessage(/credentials in the cluster's config.yml changed/, 30_000);
    const base = `http://127.0.0.1:${appPorts.PORT}`;
    let served = false;
    for (const until = Date.now() + 90_000; Date.now() < until && !served;) {
      const visit = await fetch(`${base}/api/visit`, { method: 'POST' }).catch(() => undefined);
      served = visit?.status === 200;
      if (!served) await new Promise((r) => setTimeout(r, 250));
    }
    expect(served).toBe(true);
    const { jobs_done: jobsBefore } = (await (await fetch(`${base}/api/state`)).json()) as { jobs_done: number };
    expect((await fetch(`${base}/api/job`, { method: 'POST' })).status).toBe(200);
    let jobs = jobsBefore;
    for (const until = Date.now() + 60_000; Date.now() < until && jobs <= jobsBefore;) {
      await new Promise((r) => setTimeout(r, 500));
      jobs = ((await (await fetch(`${base}/api/state`)).json()) as { jobs_done: number }).jobs_done;
    }
    expect(jobs).toBe(jobsBefore + 1);
  }, 180_000);
});
