// Where the backend services (PostgreSQL, Redis, RabbitMQ) listen: loopback when every role
// runs on this host, all interfaces in a cluster (the app hosts connect over the network).
// Probes always use loopback, which reaches either.
import type { Settings } from '../../settings/types.js';

export const LOOPBACK = '127.0.0.1';

export const backendBindAddress = (settings: Pick<Settings, 'singleHost'>): string =>
  settings.singleHost ? LOOPBACK : '0.0.0.0';

export const isLoopback = (address: string): boolean =>
  address === 'localhost' || address === '::1' || address.startsWith('127.');
