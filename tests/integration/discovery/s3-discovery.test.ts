// The same discovery round trip through an S3-compatible server (s3rver over real HTTP),
// with two separate store clients, as a backend and an app host on different machines.
import { resolveEndpoints } from '../../../src/discovery/lookup.js';
import { publishedRecords } from '../../../src/discovery/published-records.js';
import { startPublishing } from '../../../src/discovery/publish.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { S3Store } from '../../../src/store/s3-store.js';
import { memoryLogger, testSettings } from '../../helpers/env.js';
import { startS3rver, type S3rverHandle } from '../../helpers/s3rver.js';

let server: S3rverHandle;
const stores: S3Store[] = [];
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(async () => {
  for (const s of stores) s.close();
  await server.stop();
});
const client = () => {
  const store = new S3Store({
    settings: server.settings('cluster'),
    log: memoryLogger().log,
    checkRetry: { retries: 1, minTimeoutMs: 100, maxTimeoutMs: 200 },
  });
  stores.push(store);
  return store;
};

test('a backend publishes on S3 and an app host on another client finds it; a clean stop removes it', async () => {
  const backendStore = client();
  await backendStore.check();
  const backend = testSettings({ CONTAINERROLE: 'sql:redis:rabbitmq:log', ADVERTISEADDRESS: '10.3.0.2' });
  const publisher = await startPublishing(
    backendStore,
    publishedRecords(backend, loadRoleCatalog(), '10.3.0.2', 'backend'),
    memoryLogger().log,
    { ttlSeconds: 60 },
  );

  const appStore = client();
  const t0 = Date.now();
  const endpoints = await resolveEndpoints(
    testSettings({ CONTAINERROLE: 'web:celery' }),
    appStore,
    memoryLogger().log,
    { timeoutMs: 5000 },
  );
  const lookupMs = Date.now() - t0;
  expect(endpoints).toEqual({
    dbHost: '10.3.0.2',
    dbPort: 5432,
    redisUrl: 'redis://10.3.0.2:6379',
    rabbitmqUrl: 'amqp://guest:guest@10.3.0.2:5672//',
    logServer: '10.3.0.2:514',
  });
  expect(lookupMs).toBeLessThan(2000);

  await publisher.stop();
  expect(await appStore.list('discovery/')).toEqual([]);
  expect(await appStore.getText('hostname-sql')).toBeUndefined();
});
