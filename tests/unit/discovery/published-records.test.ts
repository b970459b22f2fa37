// What a host publishes: the services its roles declare, on the ports its settings give.
import { publishedRecords } from '../../../src/discovery/published-records.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { testSettings } from '../../helpers/env.js';

const catalog = loadRoleCatalog();

test('the backend publishes sql, redis, rabbitmq and log with its ports', () => {
  const settings = testSettings({
    CONTAINERROLE: 'sql:redis:rabbitmq:log',
    DBPORT: '5433',
    REDISPORT: '6380',
    RABBITMQPORT: '5673',
    LOGPORT: '1514',
  });
  expect(publishedRecords(settings, catalog, '10.0.0.5', 'backend-1')).toEqual([
    { service: 'sql', address: '10.0.0.5', port: 5433, host: 'backend-1', roles: ['sql', 'redis', 'rabbitmq', 'log'] },
    {
      service: 'redis',
      address: '10.0.0.5',
      port: 6380,
      host: 'backend-1',
      roles: ['sql', 'redis', 'rabbitmq', 'log'],
    },
    {
      service: 'rabbitmq',
      address: '10.0.0.5',
      port: 5673,
      host: 'backend-1',
      roles: ['sql', 'redis', 'rabbitmq', 'log'],
    },
    { service: 'log', address: '10.0.0.5', port: 1514, host: 'backend-1', roles: ['sql', 'redis', 'rabbitmq', 'log'] },
  ]);
});

test('an app host publishes nothing, nor does a single host (its services listen on loopback)', () => {
  expect(publishedRecords(testSettings({ CONTAINERROLE: 'web:celery' }), catalog, '10.0.0.6')).toEqual([]);
  expect(publishedRecords(testSettings({ CONTAINERROLE: 'all' }), catalog, '10.0.0.6')).toEqual([]);
});

test('a split backend publishes only its own', () => {
  expect(
    publishedRecords(testSettings({ CONTAINERROLE: 'redis' }), catalog, '10.0.0.7', 'cache').map((r) => r.service),
  ).toEqual(['redis']);
});
