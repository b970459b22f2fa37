// Endpoint values built from a discovered address and port. Credentials never travel in
// discovery records: they come from this host's settings (RabbitMQ: guest/guest on "/" when
// RABBITMQ is unset, as the rabbitmq role then creates that account).
import { rabbitmqCredentials } from '../services/rabbitmq/credentials.js';
import type { Settings } from '../settings/types.js';
import type { Endpoints } from '../config/endpoints.js';
import type { DiscoveredService } from './record.js';

/** An IPv6 literal needs brackets in a URL or host:port. */
const hostPart = (address: string): string => (address.includes(':') ? `[${address}]` : address);

export function redisUrlFor(address: string, port: number): string {
  return `redis://${hostPart(address)}:${port}`;
}

export function rabbitmqUrlFor(settings: Settings, address: string, port: number): string {
  const { username, password, vhost } = rabbitmqCredentials(settings.rabbitmq.url);
  // "//" is vhost "/" in the AMQP URI spec, as the single-host default writes it.
  const path = vhost === '/' ? '//' : `/${encodeURIComponent(vhost)}`;
  return `amqp://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${hostPart(address)}:${port}${path}`;
}

export const logServerFor = (address: string, port: number): string => `${hostPart(address)}:${port}`;

/** The endpoint fields one service sets. */
export function endpointPatch(
  settings: Settings,
  service: DiscoveredService,
  address: string,
  port: number,
): Partial<Endpoints> {
  switch (service) {
    case 'sql':
      return { dbHost: address, dbPort: port };
    case 'redis':
      return { redisUrl: redisUrlFor(address, port) };
    case 'rabbitmq':
      return { rabbitmqUrl: rabbitmqUrlFor(settings, address, port) };
    case 'log':
      return { logServer: logServerFor(address, port) };
  }
}

/** The same fields read back, to compare what a config was rendered with. */
export function endpointValue(endpoints: Endpoints, service: DiscoveredService): string | undefined {
  switch (service) {
    case 'sql':
      return `${endpoints.dbHost}:${endpoints.dbPort}`;
    case 'redis':
      return endpoints.redisUrl;
    case 'rabbitmq':
      return endpoints.rabbitmqUrl;
    case 'log':
      return endpoints.logServer;
  }
}
