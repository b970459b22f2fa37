// The redis kind with a real Redis: the password from the REDIS URL is required (and never
// on the command line), a named ACL user works, a snapshot in the data dir survives a
// restart, LOADING is "not ready", and SIGTERM stops it at once leaving nothing.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { createRedis, pingRedis } from '../../../src/services/redis/service.js';
import type { Service, ServiceContext } from '../../../src/services/types.js';
import { lookupUser } from '../../../src/util/identity.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { leftovers } from '../../helpers/processes.js';

const PASSWORD = 'pä55 "w\\ord" #1';

describe('redis service', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let port: number;
  let running: Running | undefined;

  const context = async (url: string): Promise<ServiceContext> => {
    const settings = testSettings({
      ROLEVISOR_HOME: home.dir,
      CONTAINERROLE: 'all',
      REDISPORT: String(port),
      REDIS: url,
    });
    return serviceContext(settings, 'redis', 'redis', memoryLogger().log);
  };
  const start = async (url: string): Promise<{ service: Service; ctx: ServiceContext; readyMs: number }> => {
    const ctx = await context(url);
    const service = createRedis(ctx);
    const began = Date.now();
    running = await startService(service, ctx);
    return { service, ctx, readyMs: Date.now() - began };
  };
  const stop = async () => {
    const began = Date.now();
    await running?.stop();
    running = undefined;
    return Date.now() - began;
  };
  const client = async (options: { username?: string; password?: string }) => {
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      ...options,
    });
    // ioredis rejects with "Connection is closed." and emits the server's reason as an event.
    let reason: Error | undefined;
    redis.on('error', (error: Error) => {
      reason = error;
    });
    try {
      await redis.connect();
    } catch (error) {
      throw reason ?? error;
    }
    return redis;
  };
  const url = (user = '') => `redis://${user}:${encodeURIComponent(PASSWORD)}@localhost:${port}/0`;

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
  });
  afterAll(async () => {
    if (running) await running.stop();
    await home.cleanup();
  });

  test('requires the URL password; the config file holds it, 0600 redis; the command line does not', async () => {
    const { ctx, service, readyMs } = await start(url());
    console.log(`redis ready in ${readyMs} ms`);
    const good = await client({ password: PASSWORD });
    expect(await good.ping()).toBe('PONG');
    await good.set('kept', 'after restart');
    await good.save();
    good.disconnect();

    await expect(client({})).rejects.toThrow(/NOAUTH/);
    await expect(client({ password: 'wrong' })).rejects.toThrow(/WRONGPASS/);
    await expect(pingRedis({ port, password: 'wrong' }, AbortSignal.timeout(2000))).rejects.toThrow(/WRONGPASS/);

    const conf = await stat(join(ctx.paths.conf, 'redis.conf'));
    expect([conf.mode & 0o777, conf.uid]).toEqual([0o600, (await lookupUser('redis')).uid]);
    const cmdline = await readFile(`/proc/${running?.child.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain('pä55');
    expect(service.launch().args).toEqual([join(ctx.paths.conf, 'redis.conf')]);
  });

  test('SIGTERM stops it promptly and leaves no process', async () => {
    const ms = await stop();
    console.log(`redis stopped in ${ms} ms`);
    expect(ms).toBeLessThan(3000);
    expect(await leftovers(home.dir)).toEqual([]);
  });

  test('restart keeps the snapshot; a user named in the URL logs in', async () => {
    await start(url('app'));
    const named = await client({ username: 'app', password: PASSWORD });
    expect(await named.get('kept')).toBe('after restart');
    named.disconnect();
    await stop();
  });

  test('while Redis loads a large snapshot the probe says not ready, then passes', async () => {
    await start(url());
    const filler = await client({ password: PASSWORD });
    // 1 M keys of 100 bytes, made inside Redis (a script) rather than over the wire.
    await filler.eval(
      "local v = string.rep('v', 100) for i = 1, 1000000 do redis.call('SET', 'k:' .. i, v) end return 1",
      0,
    );
    await filler.save();
    filler.disconnect();
    await stop();

    const ctx = await context(url());
    const service = createRedis(ctx);
    await service.prepare();
    const launch = service.launch();
    const child = execa(launch.file, launch.args, {
      env: launch.env,
      extendEnv: false,
      cwd: launch.cwd,
      uid: ctx.identity?.uid,
      gid: ctx.identity?.gid,
      reject: false,
      stdin: 'ignore',
    });
    const reasons: string[] = [];
    const began = Date.now();
    try {
      for (;;) {
        try {
          await pingRedis({ port, password: PASSWORD }, AbortSignal.timeout(2000));
          break;
        } catch (error) {
          reasons.push((error as Error).message);
        }
        if (Date.now() - began > 30_000) throw new Error(`not ready: ${reasons.slice(-3).join('; ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      console.log(`redis with 1 M keys ready in ${Date.now() - began} ms`);
      expect(reasons).toContain('Redis is still loading its dataset');
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    expect(await leftovers(home.dir)).toEqual([]);
  });
});
