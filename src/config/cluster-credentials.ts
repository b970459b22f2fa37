// Credentials of the backend services a host runs on the network, when the user set none:
// generated at the first boot and kept in the cluster's config.yml (in the store, and this
// host's 0600 copy), reused on every later boot, after a restore or on a new volume. The
// app hosts read them from that config.yml like everything else. A value the user set
// always wins; the well-known ones (abc123, guest/guest) found in the store are replaced.
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import type { Logger } from '../log.js';
import { registerSecrets } from '../log.js';
import { configFilePath } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { randomSecret } from '../util/generated-secret.js';
import type { Authority } from './overlay.js';
import { CONFIG_KEY } from './store-config.js';

/** The account that replaces guest when RABBITMQ names none. */
export const GENERATED_RABBITMQ_USER = 'rolevisor';
export const GENERATED_LENGTH = 32;
export const WELL_KNOWN_DB_PASSWORD = 'abc123';

export interface KnownCredentials {
  dbUser?: string;
  dbPassword?: string;
  redisPassword?: string;
  rabbitmqUser?: string;
  rabbitmqPassword?: string;
}

function urlParts(url: unknown): { user: string; password: string } | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  } catch {
    return undefined;
  }
}

/** The credentials a config.yml names that are worth keeping: none of the well-known ones. */
export function credentialsIn(content: string | undefined): KnownCredentials {
  if (!content) return {};
  let config: Record<string, unknown>;
  try {
    config = (yaml.load(content) ?? {}) as Record<string, unknown>;
  } catch {
    return {};
  }
  const out: KnownCredentials = {};
  const db = config.db && typeof config.db === 'object' ? (config.db as Record<string, unknown>) : {};
  if (typeof db.password === 'string' && db.password !== '' && db.password !== WELL_KNOWN_DB_PASSWORD) {
    out.dbPassword = db.password;
    out.dbUser = typeof db.user === 'string' ? db.user : undefined;
  }
  const redis = urlParts(config.redis);
  if (redis?.password) out.redisPassword = redis.password;
  const rabbitmq = urlParts(config.rabbitmq);
  if (rabbitmq?.user && rabbitmq.user !== 'guest' && rabbitmq.password) {
    out.rabbitmqUser = rabbitmq.user;
    out.rabbitmqPassword = rabbitmq.password;
  }
  return out;
}

export const redisUrlWithPassword = (base: string, password: string): string => {
  const url = new URL(base);
  url.username = '';
  url.password = encodeURIComponent(password);
  return url.toString();
};

export const rabbitmqUrlWithAccount = (base: string, user: string, password: string): string => {
  const url = new URL(base);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  // new URL() keeps "//" (vhost "/") as the path.
  return url.toString();
};

export type CredentialSource = 'generated' | 'kept';

/**
 * Sets the credentials the user left unset on `settings` (in place: the services, the
 * rendered config.yml and the store's copy all read them from there). `runs`: the backend
 * services of this host. Only a host whose backend listens beyond loopback gets any.
 */
export function fillCredentials(
  settings: Settings,
  runs: Authority[],
  known: KnownCredentials,
  generate: () => string = () => randomSecret(GENERATED_LENGTH),
): Partial<Record<Authority, CredentialSource>> {
  const done: Partial<Record<Authority, CredentialSource>> = {};
  if (settings.singleHost) return done;
  if (runs.includes('sql') && !settings.credentialsSet.db) {
    const kept = known.dbPassword && known.dbUser === settings.db.user ? known.dbPassword : undefined;
    settings.db.password = kept ?? generate();
    done.sql = kept ? 'kept' : 'generated';
  }
  if (runs.includes('redis') && !settings.credentialsSet.redis) {
    const password = known.redisPassword ?? generate();
    settings.redis.url = redisUrlWithPassword(
      settings.redis.url ?? `redis://localhost:${settings.redis.port}`,
      password,
    );
    done.redis = known.redisPassword ? 'kept' : 'generated';
  }
  if (runs.includes('rabbitmq') && !settings.credentialsSet.rabbitmq) {
    const user = known.rabbitmqUser ?? GENERATED_RABBITMQ_USER;
    const password = known.rabbitmqPassword ?? generate();
    settings.rabbitmq.url = rabbitmqUrlWithAccount(
      settings.rabbitmq.url ?? `amqp://localhost:${settings.rabbitmq.port}//`,
      user,
      password,
    );
    done.rabbitmq = known.rabbitmqPassword ? 'kept' : 'generated';
  }
  registerSecrets([settings.db.password, settings.redis.url, settings.rabbitmq.url]);
  for (const url of [settings.redis.url, settings.rabbitmq.url]) registerSecrets([urlParts(url)?.password]);
  return done;
}

const NAMES: Record<Authority, string> = {
  sql: "DBUSER's password",
  redis: 'a Redis password',
  rabbitmq: `a RabbitMQ account`,
};

/**
 * Reads what the store's config.yml (or, without a store, this host's copy) already holds,
 * and fills in the rest. The store's copy is updated later by HostConfig, which takes the
 * credentials of the services this host runs from its own rendered config.
 */
export async function ensureClusterCredentials(
  settings: Settings,
  runs: Authority[],
  store: Store | undefined,
  log: Logger,
): Promise<void> {
  if (settings.singleHost || runs.length === 0) return;
  const stored = store ? await store.getText(CONFIG_KEY) : undefined;
  const local = await readFile(configFilePath(settings), 'utf8').catch(() => undefined);
  // The store's copy is the cluster's; this host's copy only when the store holds none.
  const known = credentialsIn(stored ?? local);
  const done = fillCredentials(settings, runs, known);
  const generated = (Object.keys(done) as Authority[]).filter((a) => done[a] === 'generated');
  const kept = (Object.keys(done) as Authority[]).filter((a) => done[a] === 'kept');
  if (generated.length > 0)
    log.info(
      { generated },
      `generated ${generated.map((a) => NAMES[a]).join(', ')} (not set, and the service listens on the network); kept in the cluster's ${CONFIG_KEY}${store ? ` in the ${store.describe()}` : ''} and ${configFilePath(settings)} (0600)`,
    );
  if (kept.length > 0)
    log.info({ kept }, `using the generated credentials for ${kept.join(', ')} kept in the cluster's ${CONFIG_KEY}`);
}
