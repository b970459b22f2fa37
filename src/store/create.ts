// Picks the store the settings describe: S3 or Azure when enabled, else the local directory.
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { AzureStore } from './azure-store.js';
import { FsStore } from './fs-store.js';
import { S3Store, type CheckRetryOptions } from './s3-store.js';
import type { Store } from './store.js';

export interface CreateStoreOptions {
  progressIntervalMs?: number;
  /** Bound of the retries check() makes at boot (S3 only; a local directory answers at once). */
  checkRetry?: CheckRetryOptions;
}

export function createStore(settings: Settings, log: Logger, options: CreateStoreOptions = {}): Store {
  if (settings.s3) return new S3Store({ settings: settings.s3, log, ...options });
  if (settings.azure) return new AzureStore({ settings: settings.azure, log, ...options });
  return new FsStore({ root: settings.backupDir, log, progressIntervalMs: options.progressIntervalMs });
}
