// CLUSTERTLS in config.yml: the app verifies the backend's certificate against the cluster
// CA. docassemble's own keys for PostgreSQL (db: ssl mode verify-full, ssl root cert), a
// rediss:// URL whose query names the CA (redis-py and Celery's result backend read
// ssl_cert_reqs, ssl_ca_certs and ssl_check_hostname from it), an amqps:// broker URL, and
// `cluster ca`, the CA's path, for the broker's TLS options (Celery's broker_use_ssl: kombu
// reads no CA from the URL) and for this host's rewrite: the path differs between hosts.

/** config.yml's key naming the cluster CA certificate on this host. */
export const CLUSTER_CA_CONFIG_KEY = 'cluster ca';

const secureScheme = (url: unknown, plain: string, secure: string): URL | undefined => {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== plain && parsed.protocol !== secure) return undefined;
    parsed.protocol = secure;
    return parsed;
  } catch {
    return undefined;
  }
};

export function tlsRedisUrl(url: unknown, caFile: string): unknown {
  const parsed = secureScheme(url, 'redis:', 'rediss:');
  if (!parsed) return url;
  parsed.searchParams.set('ssl_cert_reqs', 'required');
  parsed.searchParams.set('ssl_ca_certs', caFile);
  parsed.searchParams.set('ssl_check_hostname', 'true');
  return parsed.toString();
}

export function tlsAmqpUrl(url: unknown): unknown {
  return secureScheme(url, 'amqp:', 'amqps:')?.toString() ?? url;
}

/** Sets the TLS entries of `config` (in place) for the CA at `caFile`. */
export function applyClusterTls(config: Record<string, unknown>, caFile: string): void {
  const db = config.db && typeof config.db === 'object' ? { ...(config.db as Record<string, unknown>) } : {};
  config.db = { ...db, 'ssl mode': 'verify-full', 'ssl root cert': caFile };
  config.redis = tlsRedisUrl(config.redis, caFile);
  config.rabbitmq = tlsAmqpUrl(config.rabbitmq);
  config[CLUSTER_CA_CONFIG_KEY] = caFile;
}

/** Whether a config.yml (as loaded) says the cluster uses TLS. */
export const usesClusterTls = (config: unknown): boolean =>
  !!config &&
  typeof config === 'object' &&
  typeof (config as Record<string, unknown>)[CLUSTER_CA_CONFIG_KEY] === 'string';
