// The redis role's Redis: foreground redis-server as user redis, configured by a 0600 file
// (redis/conf.ts) so the password never shows on a command line.
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { registerSecrets } from '../../log.js';
import { writeFileAtomic } from '../../util/fsx.js';
import { backendBindAddress, LOOPBACK } from '../shared/backend-bind.js';
import { ensureServiceDir } from '../shared/backend-dirs.js';
import { backendEnv } from '../shared/backend-env.js';
import { installServiceTls, localTlsOptions } from '../shared/cluster-tls.js';
import { redisCredentials, renderRedisConf } from './conf.js';
import type { Service, ServiceContext, ServiceFactory } from '../types.js';

const REDIS_SERVER = '/usr/bin/redis-server';

/** PING with the configured credentials; LOADING (restoring a dump) counts as not ready. */
export async function pingRedis(
  options: { port: number; username?: string; password?: string; tls?: { ca: Buffer } },
  signal: AbortSignal,
): Promise<void> {
  signal.throwIfAborted();
  const redis = new Redis({
    host: LOOPBACK,
    port: options.port,
    tls: options.tls,
    username: options.username,
    password: options.password,
    lazyConnect: true,
    // One attempt, no queue, no INFO-based ready check: the probe itself decides.
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  // ioredis rejects connect() with a bare "Connection is closed." and reports the reason
  // (NOAUTH, WRONGPASS, ECONNREFUSED) as an 'error' event: keep it for the message.
  let reason: Error | undefined;
  redis.on('error', (error: Error) => {
    reason = error;
  });
  const onAbort = () => redis.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await redis.connect();
    const answer = await redis.ping();
    if (answer !== 'PONG') throw new Error(`Redis answered PING with ${JSON.stringify(answer)}`);
  } catch (error) {
    const cause = reason ?? (error as Error);
    if (cause.message?.startsWith('LOADING')) throw new Error('Redis is still loading its dataset');
    throw cause;
  } finally {
    signal.removeEventListener('abort', onAbort);
    redis.disconnect();
  }
}

export const createRedis: ServiceFactory = (ctx: ServiceContext): Service => {
  const { settings, paths, log } = ctx;
  const port = settings.redis.port;
  const bind = backendBindAddress(settings);
  const confFile = join(paths.conf, 'redis.conf');
  // Read when used: a generated password (config/cluster-credentials.ts) or a rotated one is set after this.
  const creds = () => redisCredentials(settings.redis.url);

  return {
    name: 'redis',
    kind: 'redis',
    // With `save ""`, SIGTERM exits at once without writing a snapshot.
    stopSignal: 'SIGTERM',
    listeners: () => [{ name: 'redis', port, bind, protocol: 'tcp' }],
    dataDirs: () => [paths.data],

    async prepare() {
      const credentials = creds();
      registerSecrets([credentials.password]);
      if (!credentials.password && !bind.startsWith('127.')) {
        log.warn(
          `Redis listens on ${bind}:${port} without a password; put one in the REDIS URL (redis://:PASSWORD@host:port) to require it`,
        );
      }
      await ensureServiceDir(paths.data, 0o700, ctx.identity);
      await ensureServiceDir(paths.conf, 0o700, ctx.identity);
      const tls = await installServiceTls(ctx);
      await writeFileAtomic(confFile, renderRedisConf({ port, bind, dataDir: paths.data, credentials, tls }), {
        mode: 0o600,
        owner: ctx.identity,
      });
    },

    launch: () => ({ file: REDIS_SERVER, args: [confFile], env: backendEnv(paths.data), cwd: paths.data }),

    probe: (signal) => pingRedis({ port, ...creds(), tls: localTlsOptions(settings) }, signal),
  };
};
