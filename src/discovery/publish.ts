// Publishing a backend host's services in the store: discovery/<service>.json (address,
// port, host, roles, updatedAt, TTL, instance id) plus docassemble's hostname-<service>
// keys. Records are refreshed every third of their TTL, so a host that dies without a clean
// stop leaves records that go stale on their own; a clean stop deletes them, but only the
// ones still ours (a newer backend may have taken over in the meantime).
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import {
  docassembleKey,
  isFresh,
  parseRecord,
  recordAgeMs,
  recordKey,
  type DiscoveryRecord,
  type RecordDraft,
} from './record.js';

export interface PublishOptions {
  /** Lifetime of a record (DISCOVERYTTL); default 60 s. */
  ttlSeconds?: number;
  /** Default: a third of the TTL. */
  refreshMs?: number;
  /** Default: a fresh random id for this publisher. */
  instance?: string;
  now?: () => number;
}

export interface Publisher {
  readonly instance: string;
  /** Stops refreshing and deletes the records still ours; never throws, bounded by timeoutMs (default 5 s). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** docassemble's apps also read the broker's bare IP under this key. */
const EXTRA_DOCASSEMBLE_KEYS: Partial<Record<RecordDraft['service'], string[]>> = { rabbitmq: ['ip-rabbitmq'] };

const compatKeys = (draft: RecordDraft): string[] => [
  docassembleKey(draft.service),
  ...(EXTRA_DOCASSEMBLE_KEYS[draft.service] ?? []),
];

async function readRecord(store: Store, draft: RecordDraft): Promise<DiscoveryRecord | undefined> {
  const text = await store.getText(recordKey(draft.service));
  if (text === undefined) return undefined;
  const parsed = parseRecord(text, draft.service);
  return 'invalid' in parsed ? undefined : parsed;
}

export async function startPublishing(
  store: Store,
  records: RecordDraft[],
  log: Logger,
  options: PublishOptions = {},
): Promise<Publisher> {
  const ttlSeconds = options.ttlSeconds ?? 60;
  const refreshMs = options.refreshMs ?? Math.max(1000, (ttlSeconds * 1000) / 3);
  const instance = options.instance ?? randomUUID();
  const now = options.now ?? Date.now;
  const plog = log.child({ component: 'discovery' });
  /** Services whose record another (newer) backend now owns: we stop refreshing them. */
  const yielded = new Set<string>();
  let failing = false;
  /** The first successful write is announced (it may be a refresh after a failed first try). */
  let announced = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;

  const write = async (draft: RecordDraft, first: boolean): Promise<void> => {
    const current = await readRecord(store, draft);
    if (current && current.instance !== instance && isFresh(current, now())) {
      if (first) {
        plog.warn(
          {
            backend: draft.service,
            other: current.host,
            otherAddress: current.address,
            ageS: Math.round(recordAgeMs(current, now()) / 1000),
          },
          `replacing the ${draft.service} record of host ${current.host} (${current.address}), refreshed ${Math.round(recordAgeMs(current, now()) / 1000)} s ago: a previous backend that did not stop cleanly, or a second backend on this store`,
        );
      } else {
        yielded.add(draft.service);
        plog.error(
          { backend: draft.service, other: current.host, otherAddress: current.address },
          `host ${current.host} (${current.address}) now publishes ${draft.service}; this host stops publishing it. Run one backend per store`,
        );
        return;
      }
    }
    const record: DiscoveryRecord = { ...draft, updatedAt: new Date(now()).toISOString(), ttlSeconds, instance };
    await store.putText(recordKey(draft.service), `${JSON.stringify(record, null, 2)}\n`);
    for (const key of compatKeys(draft)) await store.putText(key, draft.address);
  };

  const publishAll = async (): Promise<void> => {
    // Until our records are in the store once, live records of another host are replaced.
    const first = !announced;
    try {
      for (const draft of records) if (!yielded.has(draft.service)) await write(draft, first);
      if (!announced) {
        announced = true;
        plog.info(
          { records: records.map((r) => `${r.service}=${r.address}:${r.port}`), ttlSeconds, refreshMs, instance },
          `published ${records.map((r) => `${r.service} at ${r.address}:${r.port}`).join(', ')} in the store (TTL ${ttlSeconds} s)`,
        );
      } else if (failing) {
        plog.info('discovery records refreshed again');
      }
      failing = false;
    } catch (error) {
      // Not fatal: the store may be briefly unreachable; app hosts keep their addresses.
      if (!failing || first)
        plog.warn(
          { err: error },
          `could not ${first ? 'publish' : 'refresh'} the discovery records (${(error as Error).message}); retrying every ${Math.round(refreshMs / 1000)} s`,
        );
      failing = true;
    }
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      inFlight = publishAll().finally(() => {
        if (!stopped) schedule();
      });
    }, refreshMs);
    timer.unref();
  };

  if (records.length === 0) {
    plog.debug('no backend service to publish on this host');
    return { instance, stop: async () => undefined };
  }
  await publishAll();
  schedule();

  const unpublish = async (): Promise<void> => {
    for (const draft of records) {
      const current = await readRecord(store, draft);
      if (current && current.instance !== instance) {
        plog.info(
          { backend: draft.service, other: current.host },
          `the ${draft.service} record now belongs to host ${current.host}; leaving it`,
        );
        continue;
      }
      // The docassemble keys first: a reader that finds no record falls back to them, and
      // must not meet ours (with default ports) between the two deletes.
      for (const key of compatKeys(draft)) {
        // Without a record of ours, delete a docassemble key only if it still names us.
        if (current || (await store.getText(key))?.trim() === draft.address) await store.delete(key);
      }
      if (current) await store.delete(recordKey(draft.service));
    }
    plog.info(`discovery records deleted: ${records.map((r) => r.service).join(', ')}`);
  };

  return {
    instance,
    stop: async ({ timeoutMs = 5000 } = {}) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      let deadline: NodeJS.Timeout | undefined;
      const work = inFlight.then(unpublish).catch((error: unknown) => {
        plog.warn(
          { err: error },
          `could not delete the discovery records (${(error as Error).message}); app hosts will ignore them once they are ${ttlSeconds} s old`,
        );
      });
      const timedOut = new Promise<void>((resolve) => {
        deadline = setTimeout(() => {
          plog.warn(
            `deleting the discovery records took more than ${timeoutMs} ms; giving up (they go stale in ${ttlSeconds} s)`,
          );
          resolve();
        }, timeoutMs);
      });
      await Promise.race([work, timedOut]);
      clearTimeout(deadline);
    },
  };
}
