import yaml from 'js-yaml';
import { adoptAuthoritative, overlayEndpoints, withHostOf } from '../../../src/config/overlay.js';

describe("overlayEndpoints: the store's config.yml with this host's backend addresses", () => {
  const stored = yaml.dump({
    db: { name: 'docassemble', user: 'docassemble', password: 'from-the-store', host: 'localhost', port: 5432 },
    redis: 'redis://:redis-secret@localhost:6379/2',
    rabbitmq: 'amqp://app:mq%40secret@localhost:5672/vh',
    'log server': null,
    secretkey: 'cluster-key',
  });
  const endpoints = {
    dbHost: '10.213.0.2',
    dbPort: 5433,
    redisUrl: 'redis://10.213.0.2:6380',
    rabbitmqUrl: 'amqp://guest:guest@10.213.0.2:5673//',
    logServer: '10.213.0.2:514',
  };

  test('hosts and ports come from the endpoints; credentials, paths and everything else stay', () => {
    const out = yaml.load(overlayEndpoints(stored, endpoints)) as Record<string, unknown>;
    expect(out.db).toEqual({
      name: 'docassemble',
      user: 'docassemble',
      password: 'from-the-store',
      host: '10.213.0.2',
      port: 5433,
    });
    expect(out.redis).toBe('redis://:redis-secret@10.213.0.2:6380/2');
    expect(out.rabbitmq).toBe('amqp://app:mq%40secret@10.213.0.2:5673/vh');
    expect(out['log server']).toBe('10.213.0.2:514');
    expect(out.secretkey).toBe('cluster-key');
  });

  test('no log server: null; a value that is not a URL of the same scheme is replaced whole', () => {
    const out = yaml.load(
      overlayEndpoints(yaml.dump({ redis: 'not a url', rabbitmq: 7 }), { ...endpoints, logServer: undefined }),
    ) as Record<string, unknown>;
    expect(out['log server']).toBeNull();
    expect(out.redis).toBe('redis://10.213.0.2:6380');
    expect(out.rabbitmq).toBe('amqp://guest:guest@10.213.0.2:5673//');
    // rediss/redis are one family (tests/unit/config/cluster-tls-config.test.ts); another scheme is replaced.
    expect(withHostOf('rediss://:pw@a:1', 'amqp://b:2')).toBe('amqp://b:2');
    expect(withHostOf('redis://:pw@a:1', 'redis://[::1]:2')).toBe('redis://:pw@[::1]:2');
  });
});

describe('adoptAuthoritative: credentials of the services this host runs follow its environment', () => {
  const stored = yaml.dump({
    db: { name: 'docassemble', user: 'docassemble', password: 'old', host: 'localhost', port: 5432 },
    redis: 'redis://localhost:6379',
    rabbitmq: 'amqp://guest:guest@localhost:5672//',
    secretkey: 'cluster-key',
  });
  const rendered = yaml.dump({
    db: { name: 'docassemble', user: 'docassemble', password: 'new', host: 'localhost', port: 5432 },
    redis: 'redis://localhost:6379',
    rabbitmq: 'amqp://app:pw@localhost:5672//',
    secretkey: 'this-host-key',
  });

  test('a changed DBPASSWORD or RABBITMQ is taken; the secret key and the rest stay', () => {
    const { content, changed } = adoptAuthoritative(stored, rendered, ['sql', 'redis', 'rabbitmq']);
    expect(changed).toEqual(['sql', 'rabbitmq']);
    const out = yaml.load(content) as Record<string, unknown>;
    expect(out.db).toEqual(expect.objectContaining({ password: 'new' }));
    expect(out.rabbitmq).toBe('amqp://app:pw@localhost:5672//');
    expect(out.secretkey).toBe('cluster-key');
  });

  test('only for the services this host runs; unchanged content comes back as it was', () => {
    expect(adoptAuthoritative(stored, rendered, ['redis'])).toEqual({ content: stored, changed: [] });
    expect(adoptAuthoritative(stored, rendered, []).changed).toEqual([]);
  });
});
