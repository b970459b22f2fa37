// Secure by default, tried as a new user would: a backend started with exactly the seeds'
// backend variables (CONTAINERROLE, DAHOSTNAME, EC2, BEHINDHTTPSLOADBALANCER, S3BUCKET; plus
// ports moved off the defaults, the fake IMDS and the s3rver endpoint a test needs) lets no
// one in with the well-known or missing credentials; an app host given only its role and
// the bucket finds everything in the store and works; no generated credential shows in a
// log line, a command line or a world-readable file of either host.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { freePortSettings, tempHome } from '../helpers/env.js';
import { amqpLogin, pgLogin, redisAnonymousPing } from '../helpers/refusals.js';
import { RolevisorProcess, runCli } from '../helpers/rolevisor-process.js';
import { imdsV2Handler, serve, type FakeServer } from '../helpers/metadata-servers.js';
import { startS3rver, type S3rverHandle } from '../helpers/s3rver.js';

const BACKEND_PORTS = [
  'DBPORT',
  'REDISPORT',
  'RABBITMQPORT',
  'RABBITMQDISTPORT',
  'EPMDPORT',
  'LOGPORT',
  'LOGVIEWPORT',
  'STATUSPORT',
];

/** Every regular file under `dir` (symbolic links not followed). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

async function allCmdlines(): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p)))
    out.push(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''));
  return out;
}

describe('secure by default: the seeds’ backend variables and an app host given only its role and bucket', () => {
  let s3: S3rverHandle;
  let imds: FakeServer;
  let backendHome: Awaited<ReturnType<typeof tempHome>>;
  let appHome: Awaited<ReturnType<typeof tempHome>>;
  let backend: RolevisorProcess;
  let app: RolevisorProcess;
  let ports: Record<string, string>;
  let appPorts: Record<string, string>;
  let store: Record<string, string>;

  /** The generated credentials, from the backend's copy of the cluster's config.yml. */
  async function generated(): Promise<{ db: string; redis: string; mqUser: string; mq: string; viewer: string }> {
    const config = yaml.load(await readFile(join(backendHome.dir, 'config', 'config.yml'), 'utf8')) as {
      db: { password: string };
      redis: string;
      rabbitmq: string;
    };
    const mq = new URL(config.rabbitmq);
    return {
      db: config.db.password,
      redis: decodeURIComponent(new URL(config.redis).password),
      mqUser: decodeURIComponent(mq.username),
      mq: decodeURIComponent(mq.password),
      viewer: (await readFile(join(backendHome.dir, 'secrets', 'logviewer.password'), 'utf8')).trim(),
    };
  }

  beforeAll(async () => {
    s3 = await startS3rver();
    imds = await serve(imdsV2Handler('127.0.0.1'));
    backendHome = await tempHome('rolevisor-secure-backend-');
    appHome = await tempHome('rolevisor-secure-app-');
    ports = await freePortSettings(BACKEND_PORTS);
    appPorts = await freePortSettings(['PORT', 'STATUSPORT']);
    store = { S3BUCKET: 'seeds', S3ENDPOINTURL: s3.endpoint, S3ACCESSKEY: 'S3RVER', S3SECRETACCESSKEY: 'S3RVER' };
    backend = new RolevisorProcess(['run'], {
      CONTAINERROLE: 'sql:redis:rabbitmq:log',
      DAHOSTNAME: 'docassemble.example.com',
      EC2: 'true',
      BEHINDHTTPSLOADBALANCER: 'true',
      ...store,
      // What a test adds: its own home, free ports, the fake instance metadata.
      ROLEVISOR_HOME: backendHome.dir,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.base,
      ...ports,
    });
    await backend.ready(240_000);
    await backend.waitForMessage(/^published /, 30_000);
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
    await imds?.close();
    await s3?.stop();
    await backendHome?.cleanup();
    await appHome?.cleanup();
  }, 120_000);

  test('PostgreSQL refuses abc123; the generated password works', async () => {
    const creds = await generated();
    expect(creds.db).toMatch(/^[A-Za-z0-9]{32}$/);
    const login = (password: string) =>
      pgLogin({
        host: '127.0.0.1',
        port: Number(ports.DBPORT),
        user: 'docassemble',
        password,
        database: 'docassemble',
      });
    expect(await login('abc123')).toMatch(/password authentication failed/);
    expect(await login(creds.db)).toBe('accepted');
  });

  test('Redis refuses a client without a password', async () => {
    expect(await redisAnonymousPing(Number(ports.REDISPORT))).toMatch(/^-NOAUTH/);
  });

  test('RabbitMQ refuses guest/guest; the generated account is not guest', async () => {
    const creds = await generated();
    expect(creds.mqUser).not.toBe('guest');
    expect(await amqpLogin(`amqp://guest:guest@127.0.0.1:${ports.RABBITMQPORT}`)).toMatch(/ACCESS.REFUSED|403/);
    expect(
      await amqpLogin(
        `amqp://${encodeURIComponent(creds.mqUser)}:${encodeURIComponent(creds.mq)}@127.0.0.1:${ports.RABBITMQPORT}`,
      ),
    ).toBe('accepted');
  });

  test('the log viewer refuses an anonymous request and answers its user and password', async () => {
    const base = `http://127.0.0.1:${ports.LOGVIEWPORT}`;
    expect((await fetch(`${base}/?format=json`)).status).toBe(401);
    const { viewer } = await generated();
    const ok = await fetch(`${base}/?format=json`, {
      headers: { Authorization: `Basic ${Buffer.from(`rolevisor:${viewer}`).toString('base64')}` },
    });
    expect(ok.status).toBe(200);
    const status = await runCli(['status'], { ROLEVISOR_HOME: backendHome.dir, ...ports });
    expect(status.stdout).toContain(`password in ${join(backendHome.dir, 'secrets', 'logviewer.password')}`);
    expect(status.stdout).not.toContain(viewer);
  });

  test('the app host serves the demo app, does a job and reaches the backend', async () => {
    const base = `http://127.0.0.1:${appPorts.PORT}`;
    const visit = await fetch(`${base}/api/visit`, { method: 'POST' });
    expect(visit.status).toBe(200);
    const job = await fetch(`${base}/api/job`, { method: 'POST' });
    expect(job.status).toBe(200);
    let state: { visits: number; jobs_done: number } = { visits: 0, jobs_done: 0 };
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      state = (await (await fetch(`${base}/api/state`)).json()) as typeof state;
      if (state.jobs_done >= 1) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(state.visits).toBeGreaterThanOrEqual(1);
    expect(state.jobs_done).toBeGreaterThanOrEqual(1);
  });

  const before: string[] = [];

  test('rotate-credentials: new ones on the running backend, the old refused, the app host serves again within seconds', async () => {
    const old = await generated();
    before.push(old.db, old.redis, old.mq);
    const base = `http://127.0.0.1:${appPorts.PORT}`;
    const { jobs_done: jobsBefore } = (await (await fetch(`${base}/api/state`)).json()) as { jobs_done: number };
    const bad = await runCli(['rotate-credentials', '--service', 'nonsense'], { ROLEVISOR_HOME: backendHome.dir });
    expect(bad.exitCode).toBe(70);
    expect(bad.stderr).toMatch(/^rolevisor: RV_ROTATE_FAILED: --service must be one of sql, redis, rabbitmq/);

    const rotated = await runCli(['rotate-credentials'], { ROLEVISOR_HOME: backendHome.dir });
    expect(rotated.exitCode).toBe(0);
    expect(rotated.stdout).toMatch(/^sql: rotated/m);
    expect(rotated.stdout).toMatch(/^redis: rotated/m);
    expect(rotated.stdout).toMatch(/^rabbitmq: rotated/m);
    const rotatedAt = Date.now();
    const now = await generated();
    expect([now.db, now.redis, now.mq]).not.toEqual([old.db, old.redis, old.mq]);
    for (const value of [now.db, now.redis, now.mq]) expect(rotated.stdout).not.toContain(value);

    // The backend: the old credentials are refused, the new ones accepted.
    const pgAs = (password: string) =>
      pgLogin({
        host: '127.0.0.1',
        port: Number(ports.DBPORT),
        user: 'docassemble',
        password,
        database: 'docassemble',
      });
    expect(await pgAs(old.db)).toMatch(/password authentication failed/);
    expect(await pgAs(now.db)).toBe('accepted');
    const mqAs = (password: string) =>
      amqpLogin(
        `amqp://${encodeURIComponent(now.mqUser)}:${encodeURIComponent(password)}@127.0.0.1:${ports.RABBITMQPORT}`,
      );
    expect(await mqAs(old.mq)).toMatch(/ACCESS.REFUSED|403/);
    expect(await mqAs(now.mq)).toBe('accepted');

    // The app host: config.yml re-written, uwsgi and celery restarted, then visits and a job work again.
    await app.waitForMessage(/credentials in the cluster's config.yml changed/, 30_000);
    let failed = 0;
    let served = false;
    for (const until = Date.now() + 60_000; Date.now() < until && !served;) {
      const visit = await fetch(`${base}/api/visit`, { method: 'POST' }).catch(() => undefined);
      if (visit?.status === 200) served = true;
      else {
        failed += 1;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    console.log(
      `after rotation: served again ${((Date.now() - rotatedAt) / 1000).toFixed(1)} s after the command returned, ${failed} failed request(s) while the app restarted`,
    );
    expect(served).toBe(true);
    expect((await fetch(`${base}/api/job`, { method: 'POST' })).status).toBe(200);
    let jobs = jobsBefore;
    for (const until = Date.now() + 60_000; Date.now() < until && jobs <= jobsBefore;) {
      await new Promise((r) => setTimeout(r, 500));
      jobs = ((await (await fetch(`${base}/api/state`)).json()) as { jobs_done: number }).jobs_done;
    }
    expect(jobs).toBe(jobsBefore + 1);
  }, 180_000);

  test('no generated credential in a log line, a command line or a world-readable file of either host', async () => {
    const creds = await generated();
    const secrets = [creds.db, creds.redis, creds.mq, creds.viewer, ...before];
    expect(secrets.length).toBe(7);
    const logs = JSON.stringify([...backend.lines, ...app.lines]);
    // The log host's files hold every forwarded line of both hosts.
    const logFiles = await filesUnder(join(backendHome.dir, 'log'));
    expect(logFiles.length).toBeGreaterThan(0);
    const logText = (await Promise.all(logFiles.map((f) => readFile(f, 'utf8')))).join('\n');
    const cmdlines = (await allCmdlines()).join('\n');
    const readable: string[] = [];
    for (const file of [...(await filesUnder(backendHome.dir)), ...(await filesUnder(appHome.dir))]) {
      if (((await stat(file)).mode & 0o004) === 0) continue;
      const content = await readFile(file, 'utf8').catch(() => '');
      if (secrets.some((s) => content.includes(s))) readable.push(file);
    }
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(logText).not.toContain(secret);
      expect(cmdlines).not.toContain(secret);
    }
    expect(readable).toEqual([]);
  });
});
