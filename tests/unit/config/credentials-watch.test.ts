import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { credentialFingerprint, watchClusterCredentials } from '../../../src/config/credentials-watch.js';
import { CONFIG_KEY } from '../../../src/config/store-config.js';
import { FsStore } from '../../../src/store/fs-store.js';
import { memoryLogger } from '../../helpers/env.js';

const config = (db: string, redis: string, other = 'x') =>
  yaml.dump({ db: { name: 'd', user: 'u', password: db, host: 'h' }, redis, rabbitmq: 'amqp://a:b@h:5672//', other });

test('the fingerprint changes with a credential, not with an address or another key', () => {
  const base = credentialFingerprint(config('p1', 'redis://:r1@h:6379'));
  expect(credentialFingerprint(config('p1', 'redis://:r1@other:6380', 'y'))).toBe(base);
  expect(credentialFingerprint(config('p2', 'redis://:r1@h:6379'))).not.toBe(base);
  expect(credentialFingerprint(config('p1', 'redis://:r2@h:6379'))).not.toBe(base);
  // CLUSTERTLS turned on: the app hosts must re-write config.yml and restart too.
  const tls = yaml.dump({
    ...(yaml.load(config('p1', 'redis://:r1@h:6379')) as object),
    'cluster ca': '/rv/tls/ca.crt',
  });
  expect(credentialFingerprint(tls)).not.toBe(base);
});

test('a rotation in the store reaches onChange once; no change, no call', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rv-watch-'));
  const store = new FsStore({ root: dir, log: memoryLogger().log });
  const initial = config('p1', 'redis://:r1@h:6379');
  await store.putText(CONFIG_KEY, initial);
  const seen: string[] = [];
  const watch = watchClusterCredentials({
    store,
    log: memoryLogger().log,
    initial,
    intervalMs: 50,
    onChange: async (content) => {
      seen.push(content);
    },
  });
  try {
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
    const rotated = config('p2', 'redis://:r2@h:6379');
    await store.putText(CONFIG_KEY, rotated);
    for (const until = Date.now() + 5000; seen.length === 0 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([rotated]);
  } finally {
    await watch.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
