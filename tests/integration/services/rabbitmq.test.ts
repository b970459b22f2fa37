// The epmd and rabbitmq kinds with a real RabbitMQ: epmd answers NAMES, the broker accepts
// the RABBITMQ URL's account (and refuses others), the CLI works with the node's cookie,
// messages and a changed password survive a restart, guest is let in from the network only
// when it is the configured account on a cluster listener, and SIGTERM leaves no process.
import { readFile, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import amqp from 'amqplib';
import { createEpmd } from '../../../src/services/epmd/service.js';
import { epmdNames } from '../../../src/services/epmd/names.js';
import { createRabbitmq, rabbitmqCliEnv } from '../../../src/services/rabbitmq/service.js';
import type { ServiceContext } from '../../../src/services/types.js';
import { lookupUser } from '../../../src/util/identity.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { isRunning, processTree } from '../../helpers/process-tree.js';

/** The process and everything below it (beam's erl_child_setup, inet_gethost...). */
function ownAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

describe('epmd + rabbitmq services', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  const ports: Record<string, number> = {};
  let epmd: Running | undefined;
  let rabbit: Running | undefined;
  let rabbitCtx: ServiceContext;
  const memory = memoryLogger();

  const settingsFor = (env: Record<string, string>) =>
    testSettings({
      ROLEVISOR_HOME: home.dir,
      CONTAINERROLE: 'all',
      RABBITMQPORT: String(ports.amqp),
      RABBITMQDISTPORT: String(ports.dist),
      EPMDPORT: String(ports.epmd),
      ...env,
    });
  const startRabbit = async (env: Record<string, string>) => {
    rabbitCtx = await serviceContext(settingsFor(env), 'rabbitmq', 'rabbitmq', memory.log);
    const began = Date.now();
    rabbit = await startService(createRabbitmq(rabbitCtx), rabbitCtx, 120_000);
    return Date.now() - began;
  };
  const stopRabbit = async () => {
    const tree = processTree(rabbit?.child.pid as number);
    const began = Date.now();
    await rabbit?.stop();
    rabbit = undefined;
    const ms = Date.now() - began;
    expect(tree.length).toBeGreaterThan(1);
    const left = [];
    for (const pid of tree.filter(isRunning))
      left.push(`${pid} ${await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => 'gone')}`);
    expect(left).toEqual([]);
    return ms;
  };
  const url = (user: string, password: string) =>
    `amqp://${user}:${encodeURIComponent(password)}@localhost:${ports.amqp}//`;

  beforeAll(async () => {
    home = await tempHome();
    for (const name of ['amqp', 'dist', 'epmd']) ports[name] = await freePort();
    const ctx = await serviceContext(settingsFor({}), 'epmd', 'rabbitmq', memory.log);
    const began = Date.now();
    epmd = await startService(createEpmd(ctx), ctx, 15_000);
    console.log(`epmd ready in ${Date.now() - began} ms`);
  });
  afterAll(async () => {
    await rabbit?.stop();
    await epmd?.stop();
    await home.cleanup();
  });

  test('epmd answers NAMES on its port (nothing registered yet)', async () => {
    const names = await epmdNames('127.0.0.1', ports.epmd, AbortSignal.timeout(2000));
    expect(names).toEqual({ epmdPort: ports.epmd, nodes: [] });
  });

  test('first boot: the URL account works, others are refused, the CLI reaches the node', async () => {
    const ms = await startRabbit({ RABBITMQ: url('mquser', 'mq #secret "1"') });
    console.log(`rabbitmq first boot ready in ${ms} ms`);
    const connection = await amqp.connect(url('mquser', 'mq #secret "1"').replace('localhost', '127.0.0.1'));
    const channel = await connection.createChannel();
    await channel.assertQueue('kept', { durable: true });
    channel.sendToQueue('kept', Buffer.from('survives restarts'), { persistent: true });
    await channel.close();
    await connection.close();

    await expect(amqp.connect(url('mquser', 'wrong').replace('localhost', '127.0.0.1'))).rejects.toThrow(
      /ACCESS.REFUSED/,
    );
    await expect(amqp.connect(`amqp://guest:guest@127.0.0.1:${ports.amqp}`)).rejects.toThrow(/ACCESS.REFUSED/);

    // The broker is the supervised PID itself (no shell in between), registered with our epmd.
    expect((await readFile(`/proc/${rabbit?.child.pid}/comm`, 'utf8')).trim()).toBe('beam.smp');
    const names = await epmdNames('127.0.0.1', ports.epmd, AbortSignal.timeout(2000));
    expect(names.nodes).toEqual([{ name: 'rabbit', port: ports.dist }]);

    const rabbitmqUser = await lookupUser('rabbitmq');
    const cookie = await stat(join(rabbitCtx.paths.data, '.erlang.cookie'));
    expect([cookie.mode & 0o777, cookie.uid]).toEqual([0o400, rabbitmqUser.uid]);
    for (const file of ['rabbitmq.conf', 'definitions.json']) {
      const info = await stat(join(rabbitCtx.paths.conf, file));
      expect([info.mode & 0o777, info.uid]).toEqual([0o600, rabbitmqUser.uid]);
    }
    expect(await readFile(join(rabbitCtx.paths.conf, 'definitions.json'), 'utf8')).not.toContain('mq #secret');
    const cmdline = await readFile(`/proc/${rabbit?.child.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain('secret');

    const cli = await execa('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-q', 'list_users'], {
      env: rabbitmqCliEnv(rabbitCtx.settings, rabbitCtx.paths),
      extendEnv: false,
      cwd: rabbitCtx.paths.data,
      uid: rabbitmqUser.uid,
      gid: rabbitmqUser.gid,
      reject: false,
      all: true,
    });
    expect(cli.all).toMatch(/^mquser\s+\[administrator\]/m);
    expect(cli.exitCode).toBe(0);
  });

  test('SIGTERM stops the broker promptly, with every process below it', async () => {
    const ms = await stopRabbit();
    console.log(`rabbitmq stopped in ${ms} ms`);
    expect(ms).toBeLessThan(10_000);
  });

  test('restart keeps the persistent message and applies a changed password', async () => {
    const ms = await startRabbit({ RABBITMQ: url('mquser', 'second-password') });
    console.log(`rabbitmq restart ready in ${ms} ms`);
    await expect(amqp.connect(url('mquser', 'mq #secret "1"').replace('localhost', '127.0.0.1'))).rejects.toThrow(
      /ACCESS.REFUSED/,
    );
    const connection = await amqp.connect(url('mquser', 'second-password').replace('localhost', '127.0.0.1'));
    const channel = await connection.createChannel();
    const message = await channel.get('kept', { noAck: true });
    expect(message && message.content.toString()).toBe('survives restarts');
    await connection.close();
    await stopRabbit();
  });

  test('cluster role with the default guest account: guest may log in from the network, with a warning', async () => {
    const address = ownAddress();
    const ms = await startRabbit({ CONTAINERROLE: 'rabbitmq' });
    console.log(`rabbitmq (0.0.0.0, guest) ready in ${ms} ms`);
    expect(memory.lines().some((l) => l.level === 'warn' && /guest\/guest/.test(String(l.msg)))).toBe(true);
    if (address) {
      const connection = await amqp.connect(`amqp://guest:guest@${address}:${ports.amqp}`);
      await connection.close();
    }
    await stopRabbit();
  });

  test('epmd stops on SIGTERM and nothing of the test remains', async () => {
    const pid = epmd?.child.pid as number;
    const began = Date.now();
    await epmd?.stop();
    epmd = undefined;
    expect(Date.now() - began).toBeLessThan(3000);
    expect(isRunning(pid)).toBe(false);
    const left = await execa('pgrep', ['-a', '-f', `${home.dir}|epmd -port ${ports.epmd}`], { reject: false });
    expect(left.stdout.split('\n').filter((l) => l.trim() && !l.includes('pgrep'))).toEqual([]);
  });
});
