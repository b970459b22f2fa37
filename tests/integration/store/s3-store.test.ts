// The S3 store against s3rver (a real S3-compatible HTTP server in a child process), through
// the same contract as the local store, plus bucket creation and an unreachable endpoint.
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { retryBudget } from '../../../src/backup/store-check.js';
import { S3Store } from '../../../src/store/s3-store.js';
import { freePort, memoryLogger } from '../../helpers/env.js';
import { startS3rver, type S3rverHandle } from '../../helpers/s3rver.js';
import { describeStoreContract } from '../../helpers/store-contract.js';

let server: S3rverHandle;
let bucketCount = 0;
const opened: S3Store[] = [];

beforeAll(async () => {
  server = await startS3rver();
});
afterAll(async () => {
  for (const store of opened) store.close();
  await server.stop();
});

function s3Store(bucket: string): S3Store {
  const store = new S3Store({
    settings: server.settings(bucket),
    log: memoryLogger().log,
    checkRetry: { retries: 1, minTimeoutMs: 100, maxTimeoutMs: 200 },
  });
  opened.push(store);
  return store;
}

describeStoreContract('s3', async () => {
  bucketCount += 1;
  const store = s3Store(`contract-${bucketCount}`);
  await store.check(); // creates the bucket
  return {
    store,
    cleanup: async () => {
      await store.deletePrefix('');
    },
  };
});

describe('s3 store specifics', () => {
  test('check() creates a missing bucket', async () => {
    const store = s3Store('created-by-check');
    await expect(store.client.send(new HeadBucketCommand({ Bucket: 'created-by-check' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await store.check();
    await store.client.send(new HeadBucketCommand({ Bucket: 'created-by-check' }));
    await store.check(); // and is happy with an existing one
  });

  test('the object s3rver stores is byte-identical (no aws-chunked framing inside)', async () => {
    const store = s3Store('framing');
    await store.check();
    const data = randomBytes(9 * 1024 * 1024 + 17); // two parts: multipart
    await store.put('dir/blob', Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]));
    const small = randomBytes(5000); // one PutObject
    await store.put('small', Readable.from([small]));
    // Read s3rver's own files: proves the SDK spoke to this server and what it stored.
    expect((await readFile(join(server.dir, 'framing', 'dir', 'blob._S3rver_object'))).equals(data)).toBe(true);
    expect((await readFile(join(server.dir, 'framing', 'small._S3rver_object'))).equals(small)).toBe(true);
  });

  test('the client sends stream bodies without aws-chunked checksum trailers', async () => {
    // lib-storage hands the SDK Buffers, but any streamed PutObject through this client
    // would, with the SDK's default checksum settings, leave "15\r\n...x-amz-checksum-crc32"
    // framing inside the object on s3rver. The client's settings must prevent that.
    const store = s3Store('trailers');
    await store.check();
    const data = randomBytes(100_000);
    await store.client.send(
      new PutObjectCommand({
        Bucket: 'trailers',
        Key: 'streamed',
        Body: Readable.from([data]),
        ContentLength: data.length,
      }),
    );
    expect((await readFile(join(server.dir, 'trailers', 'streamed._S3rver_object'))).equals(data)).toBe(true);
  });

  test('describe() names bucket, region and endpoint but no secret', () => {
    const store = new S3Store({
      settings: {
        ...server.settings('b'),
        endpointUrl: 'http://user:pw-in-url@127.0.0.1:9',
        accessKeyId: 'AKIAEXAMPLEKEYID',
        secretAccessKey: 'wJalrXUtnFEMIsecretKEY',
      },
      log: memoryLogger().log,
    });
    opened.push(store);
    expect(store.describe()).toBe('S3 bucket "b" (region us-east-1, endpoint http://127.0.0.1:9)');
  });

  test('an unreachable endpoint: check() gives up after bounded retries with one clear line', async () => {
    const port = await freePort(); // nothing listens there
    const { log, lines } = memoryLogger();
    const store = new S3Store({
      settings: {
        ...server.settings('whatever'),
        endpointUrl: `http://127.0.0.1:${port}`,
        accessKeyId: 'AKIAEXAMPLEKEYID',
        secretAccessKey: 'wJalrXUtnFEMIsecretKEY',
      },
      log,
      checkRetry: { retries: 2, minTimeoutMs: 50, maxTimeoutMs: 100 },
    });
    opened.push(store);
    const started = Date.now();
    const error = await store.check().then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error).toBeDefined();
    expect(error!.code).toBe('RV_STORE_UNREACHABLE');
    expect(error!.message).toContain(`endpoint http://127.0.0.1:${port}`);
    expect(error!.message).toContain('after 3 attempts');
    expect(error!.message).toMatch(/ECONNREFUSED/);
    expect(error!.message).not.toMatch(/\n/);
    expect(Date.now() - started).toBeLessThan(30_000);
    const text = JSON.stringify(lines()) + error!.message;
    expect(text).not.toContain('wJalrXUtnFEMIsecretKEY');
    expect(text).not.toContain('AKIAEXAMPLEKEYID');
    expect(
      lines().filter((l) => typeof l.msg === 'string' && l.msg.startsWith('store not reachable yet')),
    ).toHaveLength(2);
  });

  test('a server that accepts and never answers: check() gives up within the whole bound, attempts included', async () => {
    // STORECHECKTIMEOUT was the sum of the waits only: against a silent server each attempt
    // hung for the SDK's request timeout, so a 60 s bound took minutes (S3 at AWS, unreachable).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const store = new S3Store({
      settings: { ...server.settings('silent'), endpointUrl: `http://127.0.0.1:${port}` },
      log: memoryLogger().log,
      checkRetry: retryBudget(4),
    });
    opened.push(store);
    const started = Date.now();
    try {
      await expect(store.check()).rejects.toMatchObject({
        code: 'RV_STORE_UNREACHABLE',
        message: expect.stringMatching(/no answer within \d+ s/),
      });
      // 4 s, plus a margin for a loaded machine; it used to take the SDK's 120 s per attempt.
      expect(Date.now() - started).toBeLessThan(4000 + 6000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);

  test('wrong credentials fail at once (no retries) with advice about the keys', async () => {
    const store = new S3Store({
      settings: { ...server.settings('creds'), accessKeyId: 'WRONGKEYID', secretAccessKey: 'wrong-secret-value' },
      log: memoryLogger().log,
      checkRetry: { retries: 3, minTimeoutMs: 2000, maxTimeoutMs: 2000 },
    });
    opened.push(store);
    const started = Date.now();
    await expect(store.check()).rejects.toMatchObject({
      code: 'RV_STORE_UNREACHABLE',
      message: expect.stringMatching(/after 1 attempt: .*S3ACCESSKEY/),
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
