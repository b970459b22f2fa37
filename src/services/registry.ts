// Service kinds by name: the code of each, and the one place that says which system user
// it runs as when rolevisor is root. Most are started as that user by the supervisor; a
// few are started as root and switch to it themselves (setpriv, or nginx's workers), so that
// they can bind a port below 1024 and keep nothing else of root.
import type { ServiceFactory } from './types.js';

export interface KindEntry {
  /** The system user the program runs as (nginx: its workers). */
  user: string;
  /** 'supervisor': spawned as `user`; 'itself': spawned as root, the kind drops to `user`. */
  switchesUser: 'supervisor' | 'itself';
  load: () => Promise<ServiceFactory>;
}

export const KINDS: Record<string, KindEntry> = {
  postgres: {
    user: 'postgres',
    switchesUser: 'supervisor',
    load: async () => (await import('./postgres/service.js')).createPostgres,
  },
  redis: {
    user: 'redis',
    switchesUser: 'supervisor',
    load: async () => (await import('./redis/service.js')).createRedis,
  },
  epmd: {
    user: 'rabbitmq',
    switchesUser: 'supervisor',
    load: async () => (await import('./epmd/service.js')).createEpmd,
  },
  rabbitmq: {
    user: 'rabbitmq',
    switchesUser: 'supervisor',
    load: async () => (await import('./rabbitmq/service.js')).createRabbitmq,
  },
  syslog: {
    user: 'daemon',
    switchesUser: 'itself',
    load: async () => (await import('./syslog/service.js')).createSyslog,
  },
  // The log directory's group (syslog/service.ts LOG_READER_USER): it reads every log, writes none.
  logviewer: {
    user: 'www-data',
    switchesUser: 'itself',
    load: async () => (await import('./logviewer/service.js')).createLogViewerService,
  },
  uwsgi: {
    user: 'www-data',
    switchesUser: 'supervisor',
    load: async () => (await import('./uwsgi/service.js')).createUwsgi,
  },
  // The master stays root (ports 80/443, the TLS key); `user www-data;` for the workers, uwsgi's socket group.
  nginx: {
    user: 'www-data',
    switchesUser: 'itself',
    load: async () => (await import('./nginx/service.js')).createNginx,
  },
  celery: {
    user: 'www-data',
    switchesUser: 'supervisor',
    load: async () => (await import('./celery/service.js')).createCelery,
  },
};

export function kindNames(): string[] {
  return Object.keys(KINDS).sort();
}
