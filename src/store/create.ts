// Picks the store the settings describe: S3 or Azure when enabled, else the local directory.
// The S3 and Azure stores (and with them their SDKs, some 20 MB of rolevisor's memory each) are
// imported only when one is opened: a host with a local store never loads them.
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { FsStore } from './fs-store.js';
import type { CheckRetryOptions } from './s3-store.js';
import type { Store } from './store.js';

export interface CreateStoreOptions {
  progressIntervalMs?: number;
  /** Bound of the retries check() makes at boot (S3 only; a local directory answers at once). */
  checkRetry?: CheckRetryOptions;
}

export async function createStore(settings: Settings, log: Logger, options: CreateStoreOptions = {}): Promise<Store> {
  if (settings.s3) {
    const { S3Store } = await import('./s3-store.js');
    return new S3Store({ settings: settings.s3, log, ...options });
  }
  if (settings.azure) {
    const { AzureStore } = await import('./azure-store.js');
    return new AzureStore({ settings: settings.azure, log, ...options });
  }
  return new FsStore({ root: settings.backupDir, log, progressIntervalMs: options.progressIntervalMs });
}
