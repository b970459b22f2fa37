// The records a host publishes: one per service its roles declare in `publishes:`, with the
// port the settings give that service and the host's own address.
import { hostname } from 'node:os';
import type { RoleCatalog } from '../roles/catalog.js';
import type { Settings } from '../settings/types.js';
import { isDiscoveredService, type DiscoveredService, type RecordDraft } from './record.js';

export function servicePort(settings: Settings, service: DiscoveredService): number {
  switch (service) {
    case 'sql':
      return settings.db.port;
    case 'redis':
      return settings.redis.port;
    case 'rabbitmq':
      return settings.rabbitmq.port;
    case 'log':
      return settings.log.port;
  }
}

/** The services the roles running here publish (roles/*.yml `publishes:`). */
export function publishedServices(roles: string[], catalog: RoleCatalog): DiscoveredService[] {
  const services = roles.flatMap((r) => catalog.get(r)?.publishes ?? []);
  return [...new Set(services)].filter(isDiscoveredService);
}

export function publishedRecords(
  settings: Settings,
  catalog: RoleCatalog,
  address: string,
  host: string = hostname(),
): RecordDraft[] {
  // A single host (CONTAINERROLE=all) listens on loopback only: there is nothing to publish.
  if (settings.singleHost) return [];
  return publishedServices(settings.roles, catalog).map((service) => ({
    service,
    address,
    port: servicePort(settings, service),
    host,
    roles: settings.roles,
  }));
}
