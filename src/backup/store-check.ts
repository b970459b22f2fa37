// The store at boot: opened and proven readable, retried with backoff for at most
// STORECHECKTIMEOUT seconds in all (attempts included). Fail closed: when it cannot be read, the boot stops
// (RV_STORE_UNREACHABLE) before any database starts on empty data, unless ALLOWFRESHSTART.
import { isRolevisorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { createStore } from '../store/create.js';
import type { Store } from '../store/store.js';
import type { CheckRetryOptions } from '../store/s3-store.js';

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 15_000;

/** p-retry's delays (doubling from 1 s, at most 15 s) that fit in `budgetSec`. */
export function retryBudget(budgetSec: number): CheckRetryOptions {
  let retries = 0;
  let total = 0;
  for (;;) {
    const next = Math.min(MIN_DELAY_MS * 2 ** retries, MAX_DELAY_MS);
    if (total + next > budgetSec * 1000) break;
    total += next;
    retries += 1;
  }
  // totalMs: the bound counts the attempts too, not only the waits between them.
  return { retries, minTimeoutMs: MIN_DELAY_MS, maxTimeoutMs: MAX_DELAY_MS, totalMs: budgetSec * 1000 };
}

export interface OpenedStore {
  store: Store | undefined;
  /** Why there is no store (ALLOWFRESHSTART let the boot go on without it). */
  problem: string | undefined;
}

export async function openStoreAtBoot(settings: Settings, log: Logger, signal?: AbortSignal): Promise<OpenedStore> {
  const store = await createStore(settings, log, {
    checkRetry: { ...retryBudget(settings.storeCheckTimeoutSec), signal },
  });
  const started = Date.now();
  try {
    await store.check();
  } catch (error) {
    closeStore(store);
    if (signal?.aborted) throw error;
    if (!settings.allowFreshStart || !isRolevisorError(error)) throw error;
    log.error(
      `ALLOWFRESHSTART=true: starting WITHOUT the store (${error.message}); nothing is restored and no backup will be written until a boot that can read the store`,
    );
    return { store: undefined, problem: `the store could not be read at boot: ${error.message}` };
  }
  log.info({ store: store.describe(), ms: Date.now() - started }, `store ready: ${store.describe()}`);
  return { store, problem: undefined };
}

/** Closes an S3 client's sockets; the local store holds none. */
export function closeStore(store: Store | undefined): void {
  (store as { close?: () => void } | undefined)?.close?.();
}
