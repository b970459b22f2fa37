// The Azure store against Azurite (Microsoft's emulator, a real HTTP server in a child
// process), through the same contract as the local and S3 stores, plus container creation,
// a corrupted object refused on read, bad keys and an unreachable endpoint.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { AzureStore } from '../../../src/store/azure-store.js';
import { freePort, memoryLogger } from '../../helpers/env.js';
import { startAzurite, type AzuriteHandle } from '../../helpers/azurite.js';
import { describeStoreContract, sha256Of } from '../../helpers/store-contract.js';

let server: AzuriteHandle;
let containerCount = 0;

beforeAll(async () => {
  server = await startAzurite();
});
afterAll(async () => {
  await server.stop();
});

function azureStore(container: string, log = memoryLogger().log): AzureStore {
  return new AzureStore({
    settings: server.settings(container),
    log,
    checkRetry: { retries: 1, minTimeoutMs: 100, maxTimeoutMs: 200 },
  });
}

describeStoreContract('azure', async () => {
  containerCount += 1;
  const store = azureStore(`contract-${containerCount}`);
  await store.check(); // creates the container
  return {
    store,
    cleanup: async () => {
      await store.deletePrefix('');
    },
  };
});

describe('azure store specifics', () => {
  const sdk = () => BlobServiceClient.fromConnectionString(server.connectionString);

  test('check() creates a missing container; name and key work as well as a connection string', async () => {
    expect(await sdk().getContainerClient('created-by-check').exists()).toBe(false);
    await azureStore('created-by-check').check();
    expect(await sdk().getContainerClient('created-by-check').exists()).toBe(true);
    await azureStore('created-by-check').check(); // and is happy with an existing one
  });

  test('blocks are staged as the body streams and the blob stores the whole MD5', async () => {
    const store = new AzureStore({
      settings: server.settings('blocks'),
      log: memoryLogger().log,
      blockSize: 1024 * 1024,
    });
    await store.check();
    const data = randomBytes(3 * 1024 * 1024 + 5);
    await store.put('dump', Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    const blob = sdk().getContainerClient('blocks').getBlockBlobClient('dump');
    const list = await blob.getBlockList('committed');
    expect(list.committedBlocks).toHaveLength(4);
    const properties = await blob.getProperties();
    expect(Buffer.from(properties.contentMD5!).toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
    expect((await blob.downloadToBuffer()).equals(data)).toBe(true);
  });

  test('an object changed behind its stored MD5 is refused on read', async () => {
    const store = azureStore('tamper');
    await store.check();
    await store.putText('part', 'the true content');
    // Someone rewrites the bytes but leaves the old MD5 in the blob's properties.
    const blob = sdk().getContainerClient('tamper').getBlockBlobClient('part');
    const { contentMD5 } = await blob.getProperties();
    await blob.upload('the fake content', 16);
    await blob.setHTTPHeaders({ blobContentMD5: contentMD5 });
    await expect(sha256Of(await store.get('part'))).rejects.toThrow(/does not match its stored MD5/);
  });

  test('describe() names the container and endpoint but never the key', () => {
    const store = azureStore('shown');
    expect(store.describe()).toBe(
      `Azure Blob Storage container "shown" (endpoint http://127.0.0.1:${server.port}/rvtest)`,
    );
    expect(store.describe()).not.toContain(server.accountKey);
    const byKey = new AzureStore({
      settings: { container: 'c', accountName: 'acct', accountKey: server.accountKey, connectionString: undefined },
      log: memoryLogger().log,
    });
    expect(byKey.describe()).toBe('Azure Blob Storage container "c" (account acct)');
  });

  test('a wrong key fails at once with advice and without the key', async () => {
    const wrongKey = randomBytes(32).toString('base64');
    const { log, lines } = memoryLogger();
    const store = new AzureStore({
      settings: {
        container: 'creds',
        accountName: undefined,
        accountKey: undefined,
        connectionString: server.connectionString.replace(server.accountKey, wrongKey),
      },
      log,
      checkRetry: { retries: 3, minTimeoutMs: 2000, maxTimeoutMs: 2000 },
    });
    const error = await store.check().then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error?.code).toBe('RV_STORE_UNREACHABLE');
    expect(error!.message).toMatch(/after 1 attempt: .*AZUREACCOUNTKEY/);
    expect(JSON.stringify(lines()) + error!.message).not.toContain(wrongKey);
  });

  test('an unreachable endpoint: bounded retries, one line', async () => {
    const port = await freePort();
    const store = new AzureStore({
      settings: {
        ...server.settings('x'),
        connectionString: server.connectionString.replace(`:${server.port}/`, `:${port}/`),
      },
      log: memoryLogger().log,
      checkRetry: { retries: 1, minTimeoutMs: 50, maxTimeoutMs: 100 },
    });
    const error = await store.check().then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error?.code).toBe('RV_STORE_UNREACHABLE');
    expect(error!.message).toContain(`endpoint http://127.0.0.1:${port}/rvtest`);
    expect(error!.message).not.toMatch(/\n/);
    expect(error!.message).not.toContain(server.accountKey);
  });
});
