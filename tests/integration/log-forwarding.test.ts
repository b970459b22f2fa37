// Three hosts' worth of rolevisor on one machine: a backend, a log host and an app host
// whose LOGSERVER points at the log host. The log host receives the app host's lines per
// program; while it is down the app keeps serving, and the lines catch up when it returns.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, tempHome } from '../helpers/env.js';
import { RolevisorProcess } from '../helpers/rolevisor-process.js';

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('log forwarding between hosts', () => {
  const homes: Awaited<ReturnType<typeof tempHome>>[] = [];
  const processes: RolevisorProcess[] = [];
  const p: Record<string, number> = {};
  let logHome: string;
  let logEnv: Record<string, string>;
  let app: RolevisorProcess;

  const start = (env: Record<string, string>) => {
    const rv = new RolevisorProcess(['run'], env);
    processes.push(rv);
    return rv;
  };
  const appLog = (program: string) => readFile(join(logHome, 'log', 'app-host', `${program}.log`), 'utf8');

  beforeAll(async () => {
    for (const name of [
      'DBPORT',
      'REDISPORT',
      'RABBITMQPORT',
      'RABBITMQDISTPORT',
      'EPMDPORT',
      'LOGPORT',
      'LOGVIEWPORT',
      'PORT',
      'S1',
      'S2',
      'S3',
    ])
      p[name] = await freePort();
    for (let i = 0; i < 3; i++) homes.push(await tempHome());
    const rabbit = `amqp://app:mq-pw-123@127.0.0.1:${p.RABBITMQPORT}//`;
    const backend = start({
      CONTAINERROLE: 'sql:redis:rabbitmq',
      ROLEVISOR_HOME: homes[0].dir,
      DBPASSWORD: 'db-pw-123',
      // The hosts share no store: every credential is set on each (none is generated).
      REDIS: `redis://:redis-pw-123@127.0.0.1:${p.REDISPORT}`,
      RABBITMQ: rabbit,
      DBPORT: String(p.DBPORT),
      REDISPORT: String(p.REDISPORT),
      RABBITMQPORT: String(p.RABBITMQPORT),
      RABBITMQDISTPORT: String(p.RABBITMQDISTPORT),
      EPMDPORT: String(p.EPMDPORT),
      STATUSPORT: String(p.S1),
    });
    logHome = homes[1].dir;
    logEnv = {
      CONTAINERROLE: 'log',
      ROLEVISOR_HOME: logHome,
      LOGPORT: String(p.LOGPORT),
      LOGVIEWPORT: String(p.LOGVIEWPORT),
      STATUSPORT: String(p.S2),
    };
    const log = start(logEnv);
    await Promise.all([backend.ready(), log.ready()]);
    app = start({
      CONTAINERROLE: 'web:celery',
      ROLEVISOR_HOME: homes[2].dir,
      SERVERHOSTNAME: 'app-host',
      PORT: String(p.PORT),
      STATUSPORT: String(p.S3),
      DBHOST: '127.0.0.1',
      DBPORT: String(p.DBPORT),
      DBPASSWORD: 'db-pw-123',
      REDIS: `redis://:redis-pw-123@127.0.0.1:${p.REDISPORT}`,
      RABBITMQ: rabbit,
      LOGSERVER: `127.0.0.1:${p.LOGPORT}`,
    });
    await app.ready();
  }, 300_000);

  afterAll(async () => {
    for (const rv of processes.reverse()) if (rv.child.exitCode === null) await rv.stop('SIGTERM');
    for (const home of homes) await home.cleanup();
  }, 120_000);

  test("the log host gets the app host's lines, one file per program", async () => {
    await until('uwsgi and rolevisor lines from app-host', async () => {
      const files = await readdir(join(logHome, 'log', 'app-host'));
      return files.includes('uwsgi.log') && files.includes('rolevisor.log') && files.includes('celery.log')
        ? files
        : undefined;
    });
    // The ready line may still be on its way when the file exists: wait for it, within until()'s bound.
    await until('the ready line on the log host', async () =>
      /all services ready/.test(await appLog('rolevisor')) ? true : undefined,
    );
    expect(await appLog('rolevisor')).toMatch(/all services ready/);
    expect(await appLog('nginx')).toBeDefined();
  });

  test('with the log host down the app keeps serving; the lines arrive when it returns', async () => {
    const logHost = processes[1];
    expect((await logHost.stop('SIGTERM')).exitCode).toBe(0);
    const visit = await fetch(`http://127.0.0.1:${p.PORT}/api/visit`, { method: 'POST' });
    expect(visit.status).toBe(200);
    // The app host logs a line for this marker while the log host is away.
    await fetch(`http://127.0.0.1:${p.PORT}/while-log-host-down-marker`);
    const again = start(logEnv);
    await again.ready();
    await until('the buffered nginx line', async () =>
      (await appLog('nginx')).includes('while-log-host-down-marker') ? true : undefined,
    );
  });
});
