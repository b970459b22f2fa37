import yaml from 'js-yaml';
import { applyClusterTls, tlsAmqpUrl, tlsRedisUrl, usesClusterTls } from '../../../src/config/cluster-tls-config.js';
import { localEndpoints } from '../../../src/config/endpoints.js';
import { adoptAuthoritative, overlayEndpoints, withHostOf } from '../../../src/config/overlay.js';
import { renderConfig } from '../../../src/config/render.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { loadSettings } from '../../../src/settings/load.js';

const render = (env: Record<string, string>) => {
  const settings = loadSettings({ ROLEVISOR_HOME: '/rv', ...env }, loadRoleCatalog());
  return yaml.load(
    renderConfig({ settings, endpoints: localEndpoints(settings), secretKey: 'k'.repeat(43) }),
  ) as Record<string, unknown> & { db: Record<string, unknown>; redis: string; rabbitmq: string };
};

describe('config.yml with CLUSTERTLS', () => {
  test('a backend host: verify-full with the CA, rediss:// naming the CA, amqps://, and the CA path', () => {
    const config = render({
      CONTAINERROLE: 'sql:redis:rabbitmq',
      CLUSTERTLS: 'true',
      REDIS: 'redis://:pw@localhost:6380',
      RABBITMQ: 'amqp://u:p@localhost:5673//',
    });
    expect(config.db['ssl mode']).toBe('verify-full');
    expect(config.db['ssl root cert']).toBe('/rv/tls/cluster-ca.crt');
    expect(config['cluster ca']).toBe('/rv/tls/cluster-ca.crt');
    const redis = new URL(config.redis);
    expect(redis.protocol).toBe('rediss:');
    expect(redis.password).toBe('pw');
    expect(Object.fromEntries(redis.searchParams)).toEqual({
      ssl_cert_reqs: 'required',
      ssl_ca_certs: '/rv/tls/cluster-ca.crt',
      ssl_check_hostname: 'true',
    });
    expect(config.rabbitmq).toBe('amqps://u:p@localhost:5673//');
  });

  test('no effect without CLUSTERTLS, or when every role runs on one host', () => {
    const envs: Record<string, string>[] = [
      { CONTAINERROLE: 'sql:redis:rabbitmq' },
      { CONTAINERROLE: 'all', CLUSTERTLS: 'true' },
    ];
    for (const env of envs) {
      const config = render(env);
      expect(config['cluster ca']).toBeUndefined();
      expect(config.db['ssl mode']).toBeUndefined();
      expect(config.redis).toMatch(/^redis:\/\//);
      expect(config.rabbitmq).toMatch(/^amqp:\/\//);
    }
  });

  test('the URL rewrites keep credentials, leave other schemes alone and are idempotent', () => {
    expect(tlsRedisUrl('rediss://:a%40b@h:1?ssl_ca_certs=%2Fold', '/new')).toBe(
      'rediss://:a%40b@h:1?ssl_ca_certs=%2Fnew&ssl_cert_reqs=required&ssl_check_hostname=true',
    );
    expect(tlsRedisUrl('unix:///run/redis.sock', '/ca')).toBe('unix:///run/redis.sock');
    expect(tlsAmqpUrl('amqps://u:p@h:1//')).toBe('amqps://u:p@h:1//');
    expect(tlsAmqpUrl(7)).toBe(7);
    const config: Record<string, unknown> = { redis: 'redis://:p@h:1', rabbitmq: 'amqp://u:p@h:2//' };
    applyClusterTls(config, '/ca');
    expect(usesClusterTls(config)).toBe(true);
    expect(usesClusterTls({ redis: 'x' })).toBe(false);
  });
});

describe("an app host's config.yml from the store's TLS one", () => {
  const stored = (() => {
    const config: Record<string, unknown> = {
      db: { name: 'd', user: 'u', password: 'pw', host: 'localhost', port: 5432 },
      redis: 'redis://:rpw@localhost:6380',
      rabbitmq: 'amqp://mq:mpw@localhost:5673//',
    };
    applyClusterTls(config, '/backend/tls/cluster-ca.crt');
    return yaml.dump(config);
  })();
  const endpoints = {
    dbHost: '10.213.0.2',
    dbPort: 5432,
    redisUrl: 'redis://10.213.0.2:6380',
    rabbitmqUrl: 'amqp://guest:guest@10.213.0.2:5673//',
    logServer: undefined,
  };

  test('discovered addresses go in, the TLS schemes and credentials stay, the CA is this host’s copy', () => {
    const out = yaml.load(overlayEndpoints(stored, endpoints, '/app/tls/cluster-ca.crt')) as Record<string, unknown> & {
      db: Record<string, unknown>;
      redis: string;
      rabbitmq: string;
    };
    expect(out.db).toMatchObject({
      host: '10.213.0.2',
      'ssl mode': 'verify-full',
      'ssl root cert': '/app/tls/cluster-ca.crt',
    });
    expect(out.redis).toBe(
      'rediss://:rpw@10.213.0.2:6380?ssl_cert_reqs=required&ssl_ca_certs=%2Fapp%2Ftls%2Fcluster-ca.crt&ssl_check_hostname=true',
    );
    expect(out.rabbitmq).toBe('amqps://mq:mpw@10.213.0.2:5673//');
    expect(out['cluster ca']).toBe('/app/tls/cluster-ca.crt');
  });

  test('withHostOf treats rediss/redis and amqps/amqp as one family', () => {
    expect(withHostOf('rediss://:pw@a:1', 'redis://b:2')).toBe('rediss://:pw@b:2');
    expect(withHostOf('amqps://u:p@a:1//', 'amqp://g:g@b:2//')).toBe('amqps://u:p@b:2//');
    expect(withHostOf('redis://:pw@a:1', 'amqp://b:2')).toBe('amqp://b:2');
  });

  test('CLUSTERTLS turned off on the backend: the store’s copy drops the TLS entries', () => {
    const plain = yaml.dump({
      db: { name: 'd', user: 'u', password: 'pw' },
      redis: 'redis://:rpw@localhost:6380',
      rabbitmq: 'amqp://mq:mpw@localhost:5673//',
    });
    const { content, changed } = adoptAuthoritative(stored, plain, ['sql', 'redis', 'rabbitmq']);
    expect(changed.length).toBeGreaterThan(0);
    const out = yaml.load(content) as Record<string, unknown> & { db: Record<string, unknown> };
    expect(usesClusterTls(out)).toBe(false);
    expect(out.db['ssl mode']).toBeUndefined();
    expect(out.redis).toBe('redis://:rpw@localhost:6380');
    // And on again: the store's plain copy takes the TLS entries.
    const again = yaml.load(adoptAuthoritative(plain, stored, ['sql', 'redis', 'rabbitmq']).content) as Record<
      string,
      unknown
    >;
    expect(usesClusterTls(again)).toBe(true);
  });
});
