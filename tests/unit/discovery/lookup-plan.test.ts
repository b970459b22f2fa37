// Which backend services a host must discover, which run here, and which settings replace
// discovery, from the real roles/ catalogue.
import { affectedServices, lookupPlan, remoteNeeds } from '../../../src/discovery/lookup-plan.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { testSettings } from '../../helpers/env.js';

const catalog = loadRoleCatalog();
const plan = (env: Record<string, string>) =>
  Object.fromEntries(
    lookupPlan(testSettings(env), catalog).map((p) => [
      p.service,
      p.how === 'discover' ? (p.required ? 'required' : 'optional') : p.how,
    ]),
  );

test('an app host (web:celery) discovers the database, Redis and RabbitMQ, and the log server if any', () => {
  expect(plan({ CONTAINERROLE: 'web:celery' })).toEqual({
    sql: 'required',
    redis: 'required',
    rabbitmq: 'required',
    log: 'optional',
  });
  expect(plan({ CONTAINERROLE: 'webserver' })).toEqual({
    sql: 'required',
    redis: 'required',
    rabbitmq: 'required',
    log: 'optional',
  });
});

test('the backend host and the single host find everything locally', () => {
  expect(plan({ CONTAINERROLE: 'sql:redis:rabbitmq:log' })).toEqual({
    sql: 'local',
    redis: 'local',
    rabbitmq: 'local',
    log: 'local',
  });
  expect(plan({ CONTAINERROLE: 'all' })).toEqual({ sql: 'local', redis: 'local', rabbitmq: 'local', log: 'local' });
});

test('explicit settings replace discovery, LOGSERVER=null turns forwarding off', () => {
  expect(
    plan({ CONTAINERROLE: 'web:celery', DBHOST: 'db.internal', REDIS: 'redis://cache:6379', LOGSERVER: 'null' }),
  ).toEqual({ sql: 'setting', redis: 'setting', rabbitmq: 'required', log: 'off' });
  expect(plan({ CONTAINERROLE: 'web:celery', LOGSERVER: 'logs:514' }).log).toBe('setting');
});

test('a split backend: a host runs only what it runs, and waits only for what its services use', () => {
  expect(plan({ CONTAINERROLE: 'web:celery:redis' })).toEqual({
    sql: 'required',
    redis: 'local',
    rabbitmq: 'required',
    log: 'optional',
  });
  // PostgreSQL alone needs nobody: nothing is required, the log server is optional.
  expect(plan({ CONTAINERROLE: 'sql' })).toEqual({
    sql: 'local',
    redis: 'unused',
    rabbitmq: 'unused',
    log: 'optional',
  });
});

test('remoteNeeds follows `after:` in roles/*.yml to the role that publishes the service', () => {
  expect([...remoteNeeds(['celery'], catalog)].sort()).toEqual(['rabbitmq', 'redis', 'sql']);
  expect([...remoteNeeds(['log'], catalog)]).toEqual([]);
});

test('affectedServices: what to restart when a backend service moved', () => {
  expect(affectedServices(['sql'], ['web', 'celery'], catalog)).toEqual(['uwsgi', 'celery']);
  expect(affectedServices(['rabbitmq', 'redis'], ['celery'], catalog)).toEqual(['celery']);
  expect(affectedServices(['log'], ['web', 'celery'], catalog)).toEqual([]);
  expect(affectedServices([], ['web', 'celery'], catalog)).toEqual([]);
});
