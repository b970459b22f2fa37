import yaml from 'js-yaml';
import { credentialsIn, fillCredentials, GENERATED_RABBITMQ_USER } from '../../../src/config/cluster-credentials.js';
import { redisCredentials } from '../../../src/services/redis/conf.js';
import { rabbitmqCredentials } from '../../../src/services/rabbitmq/credentials.js';
import { testSettings } from '../../helpers/env.js';

const BACKEND = { CONTAINERROLE: 'sql:redis:rabbitmq:log', ROLEVISOR_HOME: '/var/tmp/rv-unit' };
const ALL = ['sql', 'redis', 'rabbitmq'] as const;
let n = 0;
const gen = () => `generated${(n += 1)}`;

describe('fillCredentials: a network backend never keeps the well-known credentials unless told to', () => {
  test('nothing set, nothing kept: DBUSER, Redis and a RabbitMQ account get generated values', () => {
    const settings = testSettings(BACKEND);
    const done = fillCredentials(settings, [...ALL], {}, gen);
    expect(done).toEqual({ sql: 'generated', redis: 'generated', rabbitmq: 'generated' });
    expect(settings.db.password).toMatch(/^generated\d+$/);
    expect(redisCredentials(settings.redis.url).password).toMatch(/^generated\d+$/);
    expect(new URL(settings.redis.url ?? '').port).toBe(String(settings.redis.port));
    const mq = rabbitmqCredentials(settings.rabbitmq.url);
    expect(mq).toMatchObject({ username: GENERATED_RABBITMQ_USER, vhost: '/' });
    expect(mq.password).toMatch(/^generated\d+$/);
  });

  test('the strong values kept in config.yml are reused; the well-known ones are not', () => {
    const stored = yaml.dump({
      db: { user: 'docassemble', password: 'kept-db-pw' },
      redis: 'redis://:kept-redis@10.0.0.5:6379',
      rabbitmq: 'amqp://rolevisor:kept-mq@10.0.0.5:5672//',
    });
    const settings = testSettings(BACKEND);
    expect(fillCredentials(settings, [...ALL], credentialsIn(stored), gen)).toEqual({
      sql: 'kept',
      redis: 'kept',
      rabbitmq: 'kept',
    });
    expect(settings.db.password).toBe('kept-db-pw');
    expect(redisCredentials(settings.redis.url).password).toBe('kept-redis');
    expect(rabbitmqCredentials(settings.rabbitmq.url)).toMatchObject({ username: 'rolevisor', password: 'kept-mq' });

    const weak = yaml.dump({
      db: { user: 'docassemble', password: 'abc123' },
      redis: 'redis://10.0.0.5:6379',
      rabbitmq: 'amqp://guest:guest@10.0.0.5:5672//',
    });
    expect(credentialsIn(weak)).toEqual({});
  });

  test('a password kept for another DBUSER is not reused', () => {
    const settings = testSettings({ ...BACKEND, DBUSER: 'other' });
    fillCredentials(
      settings,
      ['sql'],
      credentialsIn(yaml.dump({ db: { user: 'docassemble', password: 'x-pw' } })),
      gen,
    );
    expect(settings.db.password).not.toBe('x-pw');
  });

  test('a value the user set always wins, even the well-known ones', () => {
    const settings = testSettings({
      ...BACKEND,
      DBPASSWORD: 'abc123',
      REDIS: 'redis://:mine@localhost:6379',
      RABBITMQ: 'amqp://guest:guest@localhost:5672//',
    });
    expect(fillCredentials(settings, [...ALL], { dbPassword: 'kept', dbUser: 'docassemble' }, gen)).toEqual({});
    expect(settings.db.password).toBe('abc123');
    expect(settings.redis.url).toBe('redis://:mine@localhost:6379');
    expect(settings.rabbitmq.url).toBe('amqp://guest:guest@localhost:5672//');
    expect(settings.warnings.join('\n')).toMatch(/abc123.*anyone who can reach its port/);
  });

  test('a REDIS URL without a password gets one; only the services this host runs are touched', () => {
    const settings = testSettings({ ...BACKEND, REDIS: 'redis://localhost:6390/1' });
    fillCredentials(settings, ['redis'], {}, gen);
    expect(settings.redis.url).toMatch(/^redis:\/\/:generated\d+@localhost:6390\/1$/);
    expect(settings.db.password).toBe('abc123');
    expect(settings.rabbitmq.url).toBeUndefined();
  });

  test('one host with every role listens on loopback only: nothing is generated', () => {
    const settings = testSettings({ CONTAINERROLE: 'all', ROLEVISOR_HOME: '/var/tmp/rv-unit' });
    expect(fillCredentials(settings, [...ALL], {}, gen)).toEqual({});
    expect(settings.db.password).toBe('abc123');
  });
});
