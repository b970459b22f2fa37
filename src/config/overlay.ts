// The store's config.yml is the cluster's truth for secrets (the secret key, passwords), but
// where the backend is reachable is a fact of each host: the addresses found by discovery
// (or set, or local) replace the hosts and ports in it, and the credentials in its URLs stay.
import yaml from 'js-yaml';
import { applyClusterTls, CLUSTER_CA_CONFIG_KEY, usesClusterTls } from './cluster-tls-config.js';
import type { Endpoints } from './endpoints.js';

/** `url` with the host and port of `target`; `target` itself when `url` is not a URL of the same scheme. */
export function withHostOf(url: unknown, target: string): string {
  if (typeof url !== 'string') return target;
  let from: URL;
  let to: URL;
  try {
    from = new URL(url);
    to = new URL(target);
  } catch {
    return target;
  }
  // rediss/amqps (CLUSTERTLS, or the user's own TLS URL) stay so with a discovered plain address.
  const family = (protocol: string) => ({ 'rediss:': 'redis:', 'amqps:': 'amqp:' })[protocol] ?? protocol;
  if (family(from.protocol) !== family(to.protocol)) return target;
  from.hostname = to.hostname;
  from.port = to.port;
  return from.toString();
}

/** `caFile`: this host's copy of the cluster CA, when the config uses CLUSTERTLS (its paths are rewritten). */
export function overlayEndpoints(content: string, endpoints: Endpoints, caFile?: string): string {
  const loaded = yaml.load(content);
  const config: Record<string, unknown> =
    loaded && typeof loaded === 'object' ? { ...(loaded as Record<string, unknown>) } : {};
  const db = config.db && typeof config.db === 'object' ? { ...(config.db as Record<string, unknown>) } : {};
  config.db = { ...db, host: endpoints.dbHost, port: endpoints.dbPort };
  config.redis = withHostOf(config.redis, endpoints.redisUrl);
  config.rabbitmq = withHostOf(config.rabbitmq, endpoints.rabbitmqUrl);
  config['log server'] = endpoints.logServer ?? null;
  if (caFile && usesClusterTls(config)) applyClusterTls(config, caFile);
  return yaml.dump(config, { lineWidth: -1, noRefs: true, sortKeys: false });
}

/** Backend services whose credentials a host is the authority for: it runs them (owns_credentials in roles/*.yml). */
export type Authority = 'sql' | 'redis' | 'rabbitmq';

const section = (config: Record<string, unknown>, key: string): Record<string, unknown> =>
  config[key] && typeof config[key] === 'object' ? { ...(config[key] as Record<string, unknown>) } : {};

/**
 * The store's config.yml with the credentials of the services this host runs taken from
 * its own rendered config: PostgreSQL creates DBUSER with DBPASSWORD in DBNAME, RabbitMQ the
 * user of RABBITMQ, from this host's environment, so the cluster's copy must say the same
 * (a DBPASSWORD changed after the first boot would otherwise lock the app out). Returns the
 * services whose entries changed (none: the content is returned as it was).
 */
export function adoptAuthoritative(
  stored: string,
  rendered: string,
  authorities: Authority[],
): { content: string; changed: Authority[] } {
  const config = (yaml.load(stored) ?? {}) as Record<string, unknown>;
  const own = (yaml.load(rendered) ?? {}) as Record<string, unknown>;
  const changed: Authority[] = [];
  for (const authority of authorities) {
    if (authority === 'sql') {
      const db = section(config, 'db');
      const mine = section(own, 'db');
      const next: Record<string, unknown> = { ...db, name: mine.name, user: mine.user, password: mine.password };
      // CLUSTERTLS turned on or off on the backend: the app hosts follow.
      for (const key of ['ssl mode', 'ssl root cert']) {
        if (usesClusterTls(own) && mine[key] !== undefined) next[key] = mine[key];
        else if (usesClusterTls(config) && !usesClusterTls(own)) delete next[key];
      }
      if (JSON.stringify(next) !== JSON.stringify(db)) {
        config.db = next;
        changed.push(authority);
      }
    } else if (config[authority] !== own[authority]) {
      config[authority] = own[authority];
      changed.push(authority);
    }
  }
  if (authorities.length > 0 && config[CLUSTER_CA_CONFIG_KEY] !== own[CLUSTER_CA_CONFIG_KEY]) {
    if (usesClusterTls(own)) config[CLUSTER_CA_CONFIG_KEY] = own[CLUSTER_CA_CONFIG_KEY];
    else delete config[CLUSTER_CA_CONFIG_KEY];
    if (changed.length === 0) changed.push(authorities[0]);
  }
  if (changed.length === 0) return { content: stored, changed };
  return { content: yaml.dump(config, { lineWidth: -1, noRefs: true, sortKeys: false }), changed };
}
