// `rolevisor rotate-credentials`: new generated credentials for the backend services this
// host runs, applied to the running services first, then written to the store's config.yml
// (and this host's copy), where the app hosts' credential watch picks them up. A crash in
// between leaves the store with the old ones, which the next boot sets again (PostgreSQL's
// DBUSER and RabbitMQ's account follow config at every boot; Redis's conf is rendered from it).
// No secret on a command line: PostgreSQL gets a SCRAM verifier, Redis a CONFIG SET over its
// socket, RabbitMQ a definitions file (a salted hash) that rabbitmqctl imports.
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { localTlsOptions } from '../services/shared/cluster-tls.js';
import pg from 'pg';
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerSecrets } from '../log.js';
import { postgresAdminConfig } from '../services/postgres/superuser.js';
import { LOOPBACK } from '../services/shared/backend-bind.js';
import { redisCredentials } from '../services/redis/conf.js';
import { rabbitmqCredentials } from '../services/rabbitmq/credentials.js';
import { RABBITMQ_BIN, rabbitmqCliEnv, rabbitmqLayout } from '../services/rabbitmq/layout.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import type { BuiltService } from '../supervisor/build.js';
import { randomSecret } from '../util/generated-secret.js';
import { scramSha256Verifier } from '../util/scram.js';
import type { Endpoints } from './endpoints.js';
import { GENERATED_LENGTH, rabbitmqUrlWithAccount, redisUrlWithPassword } from './cluster-credentials.js';
import type { HostConfig } from './host-config.js';
import { adoptAuthoritative, withHostOf, type Authority } from './overlay.js';
import { renderConfig } from './render.js';
import { CONFIG_KEY } from './store-config.js';
import { stableSecretKey } from './write.js';

export const ROTATABLE = ['sql', 'redis', 'rabbitmq'] as const satisfies readonly Authority[];

const KIND_OF: Record<Authority, string> = { sql: 'postgres', redis: 'redis', rabbitmq: 'rabbitmq' };
const SETTING_OF: Record<Authority, string> = { sql: 'DBPASSWORD', redis: 'REDIS', rabbitmq: 'RABBITMQ' };

export interface RotateContext {
  settings: Settings;
  built: BuiltService[];
  store: Store | undefined;
  hostConfig: HostConfig;
  endpoints: Endpoints;
  log: Logger;
  /** Restarts this host's own services that use the rotated ones (web, celery on a combined host). */
  restartUsers: (rotated: Authority[]) => Promise<void>;
}

export interface RotateResult {
  rotated: Authority[];
  /** Why a service was left alone. */
  skipped: { service: string; reason: string }[];
}

async function rotatePostgres(b: BuiltService, password: string): Promise<void> {
  const { settings, paths } = b.ctx;
  const client = new pg.Client(await postgresAdminConfig(settings, paths));
  client.on('error', () => undefined);
  await client.connect();
  try {
    // A verifier, not the password: no server log or pg_stat_statements can hold it.
    await client.query(
      `ALTER ROLE ${pg.escapeIdentifier(settings.db.user)} WITH LOGIN PASSWORD ${pg.escapeLiteral(scramSha256Verifier(password))}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  settings.db.password = password;
}

async function rotateRedis(b: BuiltService, password: string): Promise<void> {
  const { settings } = b.ctx;
  const current = redisCredentials(settings.redis.url);
  const redis = new Redis({
    host: LOOPBACK,
    port: settings.redis.port,
    tls: localTlsOptions(settings),
    username: current.username,
    password: current.password,
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    // Connections already authenticated stay so; new ones need the new password.
    await redis.config('SET', 'requirepass', password);
  } finally {
    redis.disconnect();
  }
  settings.redis.url = redisUrlWithPassword(settings.redis.url ?? `redis://localhost:${settings.redis.port}`, password);
  // redis.conf for the next start of Redis.
  await b.service.prepare();
}

async function rotateRabbitmq(b: BuiltService, password: string): Promise<void> {
  const { settings, paths, identity } = b.ctx;
  const previous = settings.rabbitmq.url;
  const { username } = rabbitmqCredentials(previous);
  settings.rabbitmq.url = rabbitmqUrlWithAccount(
    previous ?? `amqp://localhost:${settings.rabbitmq.port}//`,
    username,
    password,
  );
  try {
    // Renders the definitions file (the account with a salted hash of the new password) ...
    await b.service.prepare();
    // ... which the running node imports: the file's path is all rabbitmqctl sees.
    const result = await execa(
      `${RABBITMQ_BIN}/rabbitmqctl`,
      ['-q', 'import_definitions', rabbitmqLayout(paths).definitionsFile],
      {
        env: rabbitmqCliEnv(settings, paths),
        extendEnv: false,
        cwd: paths.data,
        uid: identity?.uid,
        gid: identity?.gid,
        reject: false,
        stdin: 'ignore',
        all: true,
        timeout: 60_000,
      },
    );
    if (result.exitCode !== 0)
      throw new Error(
        `rabbitmqctl import_definitions failed (exit ${result.exitCode}): ${(result.all ?? '').trim().slice(-300)}`,
      );
  } catch (error) {
    settings.rabbitmq.url = previous;
    await b.service.prepare().catch(() => undefined);
    throw error;
  }
}

const APPLY: Record<Authority, (b: BuiltService, password: string) => Promise<void>> = {
  sql: rotatePostgres,
  redis: rotateRedis,
  rabbitmq: rotateRabbitmq,
};

export async function rotateCredentials(ctx: RotateContext, only?: string): Promise<RotateResult> {
  const { settings, built, store, log } = ctx;
  if (only !== undefined && !(ROTATABLE as readonly string[]).includes(only))
    throw catalogError('RV_USAGE', 'rotateService', { choices: ROTATABLE, received: only });
  const wanted = ROTATABLE.filter((s) => only === undefined || s === only);
  const result: RotateResult = { rotated: [], skipped: [] };
  for (const service of wanted) {
    const b = built.find((x) => x.service.kind === KIND_OF[service]);
    if (!b) {
      if (only) result.skipped.push({ service, reason: 'it does not run on this host' });
      continue;
    }
    if (settings.credentialsSet[service === 'sql' ? 'db' : service]) {
      result.skipped.push({
        service,
        reason: `its credential is set by ${SETTING_OF[service]}: change it there and restart this host`,
      });
      continue;
    }
    if (settings.singleHost) {
      result.skipped.push({ service, reason: 'it listens on loopback only (one host with every role)' });
      continue;
    }
    const password = randomSecret(GENERATED_LENGTH);
    registerSecrets([password]);
    await APPLY[service](b, password);
    registerSecrets([settings.redis.url, settings.rabbitmq.url]);
    result.rotated.push(service);
    log.info({ service }, `rotated the generated credential of ${service}: the running service uses the new one`);
  }
  if (result.rotated.length === 0) return result;
  // The cluster's copy: the app hosts restart their app on it.
  // The rendered URLs come from the endpoints: the new credentials, at the same addresses.
  const endpoints: Endpoints = {
    ...ctx.endpoints,
    redisUrl: withHostOf(settings.redis.url, ctx.endpoints.redisUrl),
    rabbitmqUrl: withHostOf(settings.rabbitmq.url, ctx.endpoints.rabbitmqUrl),
  };
  const rendered = renderConfig({ settings, endpoints, secretKey: await stableSecretKey(settings) });
  const base = store ? ((await store.getText(CONFIG_KEY)) ?? rendered) : rendered;
  const adopted = adoptAuthoritative(base, rendered, result.rotated);
  if (store) await store.putText(CONFIG_KEY, adopted.content);
  ctx.hostConfig.adopt(adopted.content);
  await ctx.hostConfig.write(ctx.endpoints);
  await ctx.restartUsers(result.rotated);
  log.info(
    { rotated: result.rotated },
    `wrote the new credentials of ${result.rotated.join(', ')} to the cluster's ${CONFIG_KEY}${store ? ` in the ${store.describe()}` : ''}; app hosts pick them up within seconds`,
  );
  return result;
}
