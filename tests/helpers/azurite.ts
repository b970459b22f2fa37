// Azure Blob Storage for tests: Azurite's blob service as a child process on a free loopback
// port, its data in a temp directory, with an account of our own whose key is random (so a
// test can prove the key never reaches the output). The store talks to it over real HTTP
// with the real @azure/storage-blob SDK.
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './env.js';
import type { AzureSettings } from '../../src/settings/types.js';

const AZURITE_BLOB = fileURLToPath(new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));

export interface AzuriteHandle {
  port: number;
  accountName: string;
  accountKey: string;
  /** The connection string with a BlobEndpoint, as a user of Azurite writes it. */
  connectionString: string;
  settings: (container: string) => AzureSettings;
  /** AZURE* variables for `rolevisor run` / `check`. */
  env: (container: string) => Record<string, string>;
  stop: () => Promise<void>;
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`Azurite did not listen on port ${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startAzurite(): Promise<AzuriteHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'rolevisor-azurite-'));
  const port = await freePort();
  const accountName = 'rvtest';
  const accountKey = randomBytes(32).toString('base64');
  const child: ResultPromise = execa(
    process.execPath,
    [
      AZURITE_BLOB,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      dir,
      '--silent',
      '--disableTelemetry',
      '--skipApiVersionCheck',
    ],
    {
      env: { AZURITE_ACCOUNTS: `${accountName}:${accountKey}`, HOME: dir },
      extendEnv: false,
      stdio: ['ignore', 'ignore', 'pipe'],
      reject: false,
      cwd: dir,
    },
  );
  try {
    await waitForPort(port, 30000);
  } catch (error) {
    child.kill('SIGKILL');
    await child;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};BlobEndpoint=http://127.0.0.1:${port}/${accountName};`;
  return {
    port,
    accountName,
    accountKey,
    connectionString,
    settings: (container) => ({ container, accountName: undefined, accountKey: undefined, connectionString }),
    env: (container) => ({ AZUREENABLE: 'true', AZURECONTAINER: container, AZURECONNECTIONSTRING: connectionString }),
    stop: async () => {
      child.kill('SIGTERM');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
