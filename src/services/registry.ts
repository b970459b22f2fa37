// Service kinds by name, with the system user each runs as when rolevisor is root
// (undefined: the kind drops privileges itself, e.g. nginx's master binds port 80 as root).
import type { ServiceFactory } from './types.js';

export interface KindEntry {
  user: string | undefined;
  load: () => Promise<ServiceFactory>;
}

export const KINDS: Record<string, KindEntry> = {
  postgres: { user: 'postgres', load: async () => (await import('./postgres.js')).createPostgres },
  redis: { user: 'redis', load: async () => (await import('./redis.js')).createRedis },
  epmd: { user: 'rabbitmq', load: async () => (await import('./epmd.js')).createEpmd },
  rabbitmq: { user: 'rabbitmq', load: async () => (await import('./rabbitmq.js')).createRabbitmq },
  syslog: { user: undefined, load: async () => (await import('./syslog.js')).createSyslog },
  logviewer: { user: undefined, load: async () => (await import('./logviewer.js')).createLogViewerService },
  uwsgi: { user: 'www-data', load: async () => (await import('./uwsgi.js')).createUwsgi },
  nginx: { user: undefined, load: async () => (await import('./nginx.js')).createNginx },
  celery: { user: 'www-data', load: async () => (await import('./celery.js')).createCelery },
};

export function kindNames(): string[] {
  return Object.keys(KINDS).sort();
}
