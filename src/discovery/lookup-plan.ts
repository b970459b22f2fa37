// For each backend service, where this host's app finds it: the explicit setting, the copy
// running on this host, or a discovery record. Only services that a local service waits for
// (`after:` in roles/*.yml) and that run elsewhere are required; the log server is always
// optional (forwarding starts when it is found), and a service nobody here uses is unused.
import type { RoleCatalog } from '../roles/catalog.js';
import type { Settings } from '../settings/types.js';
import { publishedServices } from './published-records.js';
import { DISCOVERED_SERVICES, isDiscoveredService, type DiscoveredService } from './record.js';

export type LookupHow = 'setting' | 'local' | 'discover' | 'unused' | 'off';

export interface ServiceLookup {
  service: DiscoveredService;
  how: LookupHow;
  /** Only for 'discover': without it the app cannot start. */
  required: boolean;
}

/** The setting that makes discovery unnecessary, for messages. */
export const SETTING_FOR: Record<DiscoveredService, string> = {
  sql: 'DBHOST',
  redis: 'REDIS',
  rabbitmq: 'RABBITMQ',
  log: 'LOGSERVER',
};

/** Backend services that services on this host wait for but that run on other hosts. */
export function remoteNeeds(roles: string[], catalog: RoleCatalog): Set<DiscoveredService> {
  const local = roles.flatMap((r) => catalog.get(r)?.services ?? []);
  const localNames = new Set(local.map((s) => s.name));
  const needs = new Set<DiscoveredService>();
  for (const name of local.flatMap((s) => s.after)) {
    if (localNames.has(name)) continue;
    const provider = catalog.concrete().find((role) => role.services.some((s) => s.name === name));
    for (const published of provider?.publishes ?? []) if (isDiscoveredService(published)) needs.add(published);
  }
  return needs;
}

function explicitly(settings: Settings, service: DiscoveredService): boolean {
  switch (service) {
    case 'sql':
      return settings.db.host !== undefined;
    case 'redis':
      return settings.redis.url !== undefined;
    case 'rabbitmq':
      return settings.rabbitmq.url !== undefined;
    case 'log':
      return settings.log.server !== undefined;
  }
}

export function lookupPlan(settings: Settings, catalog: RoleCatalog): ServiceLookup[] {
  const here = new Set(publishedServices(settings.roles, catalog));
  const needs = remoteNeeds(settings.roles, catalog);
  return DISCOVERED_SERVICES.map((service): ServiceLookup => {
    if (explicitly(settings, service)) return { service, how: 'setting', required: false };
    if (service === 'log' && settings.log.forwardingDisabled) return { service, how: 'off', required: false };
    if (settings.singleHost || here.has(service)) return { service, how: 'local', required: false };
    if (service === 'log') return { service, how: 'discover', required: false };
    return needs.has(service)
      ? { service, how: 'discover', required: true }
      : { service, how: 'unused', required: false };
  });
}

/**
 * The local services to restart after the given backend services moved: those that wait
 * for them (`after:`), e.g. sql → uwsgi, celery. A moved log server restarts no child:
 * the log forwarder is rolevisor's own and must be pointed at the new address instead.
 */
export function affectedServices(changed: DiscoveredService[], roles: string[], catalog: RoleCatalog): string[] {
  const backendNames = new Set(
    catalog
      .concrete()
      .filter((role) => role.publishes.some((p) => (changed as string[]).includes(p)))
      .flatMap((role) => role.services.map((s) => s.name)),
  );
  return roles
    .flatMap((r) => catalog.get(r)?.services ?? [])
    .filter((s) => s.after.some((name) => backendNames.has(name)))
    .map((s) => s.name);
}
