// Where the app finds the backend services. On a host that runs the backend role itself,
// it is the local service; otherwise the setting, or (later) what discovery found.
import type { Settings } from '../settings/types.js';

export interface Endpoints {
  dbHost: string;
  dbPort: number;
  redisUrl: string;
  rabbitmqUrl: string;
  /** host[:port] of the central log server, or undefined (no forwarding). */
  logServer: string | undefined;
}

export function localEndpoints(settings: Settings): Endpoints {
  return {
    dbHost: settings.db.host ?? 'localhost',
    dbPort: settings.db.port,
    redisUrl: settings.redis.url ?? `redis://localhost:${settings.redis.port}`,
    rabbitmqUrl: settings.rabbitmq.url ?? `amqp://guest:guest@localhost:${settings.rabbitmq.port}//`,
    logServer: settings.log.server,
  };
}
