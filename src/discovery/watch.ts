// After boot, an app host keeps reading the discovery records of the services it found
// through discovery. When a fresh record names a different address or port (the backend came
// back elsewhere) it calls onChange with the new endpoints, so the caller can re-render
// config.yml and restart what uses them. Stale or missing records change nothing: the
// backend is down or restarting, and the old address is the best guess until a new one.
// A backend writes its records one after the other: a change is reported once two reads
// settleMs apart agree, so that one move causes one re-render, not one per service.
import type { Endpoints } from '../config/endpoints.js';
import type { Logger } from '../log.js';
import { loadRoleCatalog, type RoleCatalog } from '../roles/catalog.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { endpointValue } from './endpoint-urls.js';
import { lookupPlan } from './lookup-plan.js';
import { patchFromState } from './lookup.js';
import { describeState, readServiceState } from './read-state.js';
import type { DiscoveredService } from './record.js';

export interface EndpointChange {
  previous: Endpoints;
  endpoints: Endpoints;
  /** The services whose endpoint changed, e.g. ['sql', 'redis']. */
  changed: DiscoveredService[];
}

export interface WatchOptions {
  /** The endpoints the running config was rendered with (resolveEndpoints' answer). */
  initial: Endpoints;
  onChange: (change: EndpointChange) => Promise<void> | void;
  /** Default 5 s. */
  intervalMs?: number;
  /** The second read that confirms a change; default 1 s. */
  settleMs?: number;
  catalog?: RoleCatalog;
  now?: () => number;
}

export interface Watcher {
  /** Stops polling; waits for a running onChange to finish. */
  stop(): Promise<void>;
}

const sameEndpoints = (a: Endpoints, b: Endpoints): boolean =>
  a.dbHost === b.dbHost &&
  a.dbPort === b.dbPort &&
  a.redisUrl === b.redisUrl &&
  a.rabbitmqUrl === b.rabbitmqUrl &&
  a.logServer === b.logServer;

export function watchEndpoints(settings: Settings, store: Store, log: Logger, options: WatchOptions): Watcher {
  const dlog = log.child({ component: 'discovery' });
  const now = options.now ?? Date.now;
  const watched = lookupPlan(settings, options.catalog ?? loadRoleCatalog())
    .filter((p) => p.how === 'discover')
    .map((p) => p.service);
  const intervalMs = options.intervalMs ?? 5000;
  const settleMs = options.settleMs ?? 1000;
  let current = options.initial;
  /** A change seen once, waiting for the confirming read. */
  let candidate: Endpoints | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let readFailing = false;

  /** One read; returns the delay before the next one. */
  const poll = async (): Promise<number> => {
    const next: Endpoints = { ...current };
    const changed: DiscoveredService[] = [];
    const moves: string[] = [];
    try {
      for (const service of watched) {
        const state = await readServiceState(store, service, now());
        const patch = patchFromState(settings, service, state);
        if (!patch) continue;
        Object.assign(next, patch);
        if (endpointValue(next, service) === endpointValue(current, service)) continue;
        changed.push(service);
        moves.push(describeState(service, state));
      }
      readFailing = false;
    } catch (error) {
      if (!readFailing)
        dlog.warn(
          { err: error },
          `cannot read the discovery records (${(error as Error).message}); keeping the current endpoints`,
        );
      readFailing = true;
      return intervalMs;
    }
    if (changed.length === 0 || stopped) {
      candidate = undefined;
      return intervalMs;
    }
    if (!candidate || !sameEndpoints(candidate, next)) {
      candidate = next;
      return settleMs;
    }
    candidate = undefined;
    dlog.info({ changed, previous: current, endpoints: next }, `backend moved: ${moves.join('; ')}`);
    try {
      await options.onChange({ previous: current, endpoints: next, changed });
      current = next;
    } catch (error) {
      // Not adopted: the next poll sees the same change and tries again.
      dlog.error(
        { err: error, changed },
        `applying the new ${changed.join(', ')} endpoint failed (${(error as Error).message}); retrying in ${Math.round(intervalMs / 1000)} s`,
      );
    }
    return intervalMs;
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().then(schedule, () => schedule(intervalMs));
    }, delayMs);
    timer.unref();
  };

  if (watched.length > 0) {
    dlog.debug({ watched, intervalMs }, `watching the discovery records of ${watched.join(', ')}`);
    schedule(intervalMs);
  }
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
