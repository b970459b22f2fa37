// `rolevisor run` with the backend roles, as a real process: PostgreSQL, Redis and RabbitMQ
// come up, answer with the configured credentials, a killed child is restarted, and
// SIGTERM stops everything within STOPTIMEOUT with nothing left behind.
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import pg from 'pg';
import { freePort, tempHome } from '../helpers/env.js';
import { RolevisorProcess, runCli } from '../helpers/rolevisor-process.js';
import { leftovers } from '../helpers/processes.js';
import { redisAnonymousPing } from '../helpers/refusals.js';

describe('rolevisor run — sql:redis:rabbitmq', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let rv: RolevisorProcess;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    home = await tempHome();
    for (const name of ['DBPORT', 'REDISPORT', 'RABBITMQPORT', 'RABBITMQDISTPORT', 'EPMDPORT', 'STATUSPORT'])
      ports[name] = await freePort();
    rv = new RolevisorProcess(['run'], {
      CONTAINERROLE: 'sql:redis:rabbitmq',
      ROLEVISOR_HOME: home.dir,
      DBNAME: 'shop',
      DBUSER: 'shopper',
      DBPASSWORD: 'correct-horse-battery',
      RABBITMQ: `amqp://mquser:mq-secret-pw@localhost:${ports.RABBITMQPORT}//`,
      STOPTIMEOUT: '30',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    });
    await rv.ready();
  }, 300_000);

  afterAll(async () => {
    if (rv.child.exitCode === null) await rv.stop('SIGKILL');
    await home.cleanup();
  });

  test('PostgreSQL answers DBUSER with DBPASSWORD and refuses a wrong password', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: ports.DBPORT,
      user: 'shopper',
      password: 'correct-horse-battery',
      database: 'shop',
    });
    await client.connect();
    const { rows } = await client.query('SELECT current_user AS who, current_database() AS db');
    expect(rows[0]).toEqual({ who: 'shopper', db: 'shop' });
    await client.end();
    const wrong = new pg.Client({
      host: '127.0.0.1',
      port: ports.DBPORT,
      user: 'shopper',
      password: 'nope',
      database: 'shop',
    });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
  });

  /** REDIS is unset and Redis listens on the network: its password was generated, kept in config.yml. */
  const redisPassword = async () => {
    const config = yaml.load(await readFile(join(home.dir, 'config', 'config.yml'), 'utf8')) as { redis: string };
    return decodeURIComponent(new URL(config.redis).password);
  };

  test('Redis answers PING with the generated password, and refuses a client without one', async () => {
    const password = await redisPassword();
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    const redis = new Redis({ host: '127.0.0.1', port: ports.REDISPORT, password, lazyConnect: true });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
    expect(await redisAnonymousPing(ports.REDISPORT)).toMatch(/^-NOAUTH/);
  });

  test('RabbitMQ accepts the user from RABBITMQ', async () => {
    const connection = await amqp.connect(`amqp://mquser:mq-secret-pw@127.0.0.1:${ports.RABBITMQPORT}`);
    connection.on('error', () => undefined); // a failed expect below must not leave it to crash jest later
    const channel = await connection.createChannel();
    await channel.assertQueue('rolevisor-test', { durable: false });
    channel.sendToQueue('rolevisor-test', Buffer.from('hello'));
    const message = await new Promise<amqp.ConsumeMessage | null>((resolve) => {
      void channel.consume('rolevisor-test', resolve, { noAck: true });
    });
    expect(message?.content.toString()).toBe('hello');
    await connection.close();
  });

  test('secrets never appear in the log, the generated Redis password neither', async () => {
    const password = await redisPassword();
    const all = JSON.stringify(rv.lines);
    expect(all).not.toContain('correct-horse-battery');
    expect(all).not.toContain('mq-secret-pw');
    expect(all).not.toContain(password);
  });

  test('a child killed with SIGKILL is restarted and serves again', async () => {
    const started = rv.lines.find((l) => l.service === 'redis' && /^started redis/.test(l.msg));
    const pid = started?.pid as number;
    expect(pid).toBeGreaterThan(0);
    const readyCount = () => rv.lines.filter((l) => l.service === 'redis' && l.msg === 'redis is ready').length;
    expect(readyCount()).toBe(1);
    process.kill(pid, 'SIGKILL');
    await rv.waitFor((l) => l.service === 'redis' && /exited unexpectedly/.test(l.msg), 10_000, 'the exit');
    await rv.waitFor(() => readyCount() === 2, 30_000, 'redis ready again');
    const redis = new Redis({
      host: '127.0.0.1',
      port: ports.REDISPORT,
      password: await redisPassword(),
      lazyConnect: true,
    });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
  });

  test('status server: /healthz, /readyz and /metrics', async () => {
    const base = `http://127.0.0.1:${ports.STATUSPORT}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, phase: 'running', notReady: [] });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^rolevisor_service_ready\{service="postgres",role="sql"\} 1$/m);
    expect(metrics).toMatch(/^rolevisor_service_restarts\{service="redis",role="redis"\} 1$/m);
    expect(metrics).toMatch(/^rolevisor_service_up\{service="epmd",role="rabbitmq"\} 1$/m);
    expect((await fetch(`${base}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  test('rolevisor status: a table for people, JSON for scripts', async () => {
    const table = await runCli(['status'], { ROLEVISOR_HOME: home.dir });
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^rolevisor .*running, ready/);
    expect(table.stdout).toMatch(/^SERVICE +ROLE +STATE +PID +UPTIME +RESTARTS +LAST EXIT$/m);
    expect(table.stdout).toMatch(/^redis +redis +ready +\d+ +\d+s +1 +SIGKILL, \d+s ago$/m);
    expect(table.stdout).toMatch(/^store: +local directory /m);
    const json = await runCli(['status', '--json'], { ROLEVISOR_HOME: home.dir });
    const body = JSON.parse(json.stdout) as { services: { name: string; state: string }[] };
    expect(body.services.map((s) => s.name)).toEqual(['postgres', 'redis', 'epmd', 'rabbitmq']);
  });

  test('SIGTERM: every child stops in order, exit 0 within STOPTIMEOUT, nothing left behind', async () => {
    const { exitCode, ms } = await rv.stop('SIGTERM');
    expect(exitCode).toBe(0);
    expect(ms).toBeLessThan(30_000);
    const stopped = rv.lines.filter((l) => / stopped$/.test(l.msg) && l.service).map((l) => l.service);
    expect(stopped.indexOf('rabbitmq')).toBeLessThan(stopped.indexOf('epmd'));
    expect(new Set(stopped)).toEqual(new Set(['postgres', 'redis', 'rabbitmq', 'epmd']));
    expect(rv.lines.at(-1)?.msg).toBe('rolevisor stopped cleanly');
    expect(await leftovers(home.dir)).toEqual([]);
  });
});
