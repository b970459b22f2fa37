import { createHash } from 'node:crypto';
import { renderDefinitions, renderRabbitmqConf } from '../../../../src/services/rabbitmq/conf.js';
import { rabbitmqCredentials } from '../../../../src/services/rabbitmq/credentials.js';
import { rabbitmqPasswordHash } from '../../../../src/services/rabbitmq/password-hash.js';

describe('rabbitmqCredentials', () => {
  test('user, password and vhost from the URL; "//" and "" mean the vhost "/"', () => {
    expect(rabbitmqCredentials('amqp://u:p%23w@host:5672//')).toEqual({ username: 'u', password: 'p#w', vhost: '/' });
    expect(rabbitmqCredentials('pyamqp://u:p@host:5672/')).toEqual({ username: 'u', password: 'p', vhost: '/' });
    expect(rabbitmqCredentials('amqp://u:p@host/my%2Fvhost')).toEqual({
      username: 'u',
      password: 'p',
      vhost: 'my/vhost',
    });
  });
  test('guest/guest on "/" when unset or without a user', () => {
    expect(rabbitmqCredentials(undefined)).toEqual({ username: 'guest', password: 'guest', vhost: '/' });
    expect(rabbitmqCredentials('amqp://host:5672//')).toEqual({ username: 'guest', password: 'guest', vhost: '/' });
  });
});

describe('rabbitmqPasswordHash', () => {
  test('base64(salt ++ sha256(salt ++ password)) with a 4-byte salt', () => {
    const salt = Buffer.from([0x90, 0x8d, 0xc6, 0x0a]);
    const raw = Buffer.from(rabbitmqPasswordHash('test12', salt), 'base64');
    expect(raw.subarray(0, 4)).toEqual(salt);
    expect(raw.subarray(4)).toEqual(
      createHash('sha256')
        .update(Buffer.concat([salt, Buffer.from('test12')]))
        .digest(),
    );
    expect(rabbitmqPasswordHash('test12')).not.toBe(rabbitmqPasswordHash('test12'));
  });
});

describe('renderRabbitmqConf and renderDefinitions', () => {
  test('loads the definitions; guest stays loopback-only unless allowed', () => {
    const conf = renderRabbitmqConf({ definitionsFile: '/h/conf/rabbitmq/definitions.json', allowRemoteGuest: false });
    expect(conf).toContain('load_definitions = /h/conf/rabbitmq/definitions.json\n');
    expect(conf).toContain('loopback_users.guest = true\n');
    expect(renderRabbitmqConf({ definitionsFile: '/d.json', allowRemoteGuest: true })).toContain(
      'loopback_users = none\n',
    );
    expect(() => renderRabbitmqConf({ definitionsFile: '/a#b.json', allowRemoteGuest: false })).toThrow(
      /cannot hold the path/,
    );
  });

  test('one user with full rights on its vhost, with a hash and never the password', () => {
    const text = renderDefinitions({ username: 'mq', password: 'plain-secret', vhost: 'v' });
    expect(text).not.toContain('plain-secret');
    const definitions = JSON.parse(text);
    expect(definitions.users).toEqual([
      {
        name: 'mq',
        password_hash: expect.any(String),
        hashing_algorithm: 'rabbit_password_hashing_sha256',
        tags: ['administrator'],
      },
    ]);
    expect(definitions.vhosts).toEqual([{ name: 'v' }]);
    expect(definitions.permissions).toEqual([{ user: 'mq', vhost: 'v', configure: '.*', write: '.*', read: '.*' }]);
  });
});

describe('renderRabbitmqConf with CLUSTERTLS', () => {
  const tls = {
    port: 5673,
    bind: '0.0.0.0',
    caFile: '/h/conf/rabbitmq/cluster-ca.crt',
    certFile: '/h/conf/rabbitmq/server.crt',
    keyFile: '/h/conf/rabbitmq/server.key',
  };
  test('no plain AMQP listener; a TLS one on the port with the server certificate', () => {
    const conf = renderRabbitmqConf({ definitionsFile: '/d.json', allowRemoteGuest: false, tls }).split('\n');
    expect(conf).toEqual(
      expect.arrayContaining([
        'listeners.tcp = none',
        'listeners.ssl.1 = 0.0.0.0:5673',
        'ssl_options.cacertfile = /h/conf/rabbitmq/cluster-ca.crt',
        'ssl_options.certfile = /h/conf/rabbitmq/server.crt',
        'ssl_options.keyfile = /h/conf/rabbitmq/server.key',
        'ssl_options.verify = verify_none',
        'ssl_options.fail_if_no_peer_cert = false',
      ]),
    );
    expect(() =>
      renderRabbitmqConf({ definitionsFile: '/d.json', allowRemoteGuest: false, tls: { ...tls, keyFile: '/a#b' } }),
    ).toThrow(/cannot hold the path/);
  });
});
