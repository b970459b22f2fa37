// The store's config.yml is the cluster's truth for secrets (the secret key, passwords), but
// where the backend is reachable is a fact of each host: the addresses found by discovery
// (or set, or local) replace the hosts and ports in it, and the credentials in its URLs stay.
import yaml from 'js-yaml';
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
  if (from.protocol !== to.protocol) return target;
  from.hostname = to.hostname;
  from.port = to.port;
  return from.toString();
}

export function overlayEndpoints(content: string, endpoints: Endpoints): string {
  const loaded = yaml.load(content);
  const config: Record<string, unknown> = loaded && typeof loaded === 'object' ? { ...(loaded as Record<string, unknown>) } : {};
  const db = config.db && typeof config.db === 'object' ? { ...(config.db as Record<string, unknown>) } : {};
  config.db = { ...db, host: endpoints.dbHost, port: endpoints.dbPort };
  config.redis = withHostOf(config.redis, endpoints.redisUrl);
  config.rabbitmq = withHostOf(config.rabbitmq, endpoints.rabbitmqUrl);
  config['log server'] = endpoints.logServer ?? null;
  return yaml.dump(config, { lineWidth: -1, noRefs: true, sortKeys: false });
}
