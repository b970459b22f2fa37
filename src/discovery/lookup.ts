// Where this host's app finds the backend: explicit settings win, services running here are
// on localhost, and the rest come from fresh discovery records in the store. The wait for
// records is bounded (DISCOVERYTIMEOUT) and says every few seconds what it still waits for;
// at the deadline it fails with RV_DISCOVERY_TIMEOUT naming what is missing.
import { setTimeout as sleep } from 'node:timers/promises';
import { localEndpoints, type Endpoints } from '../config/endpoints.js';
import { catalogError, RolevisorError } from '../errors.js';
import type { Logger } from '../log.js';
import { loadRoleCatalog, type RoleCatalog } from '../roles/catalog.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { endpointPatch } from './endpoint-urls.js';
import { lookupPlan, SETTING_FOR, type ServiceLookup } from './lookup-plan.js';
import { servicePort } from './published-records.js';
import { describeState, readServiceState, type ServiceState } from './read-state.js';
import type { DiscoveredService } from './record.js';

export interface LookupOptions {
  /** The bound of the wait (DISCOVERYTIMEOUT × 1000). */
  timeoutMs: number;
  /** How often the store is read while waiting; default 2 s. */
  pollMs?: number;
  /** How often the wait is logged; default 10 s. */
  logEveryMs?: number;
  /** Default: the roles/ folder shipped with rolevisor. */
  catalog?: RoleCatalog;
  /** Aborts the wait (a SIGTERM during boot); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  now?: () => number;
  /** Told at each poll what is still missing (status and /readyz show it). */
  onWaiting?: (what: string) => void;
}

/** A service's endpoint fields from its state, or undefined when it gives none. */
export function patchFromState(
  settings: Settings,
  service: DiscoveredService,
  state: ServiceState,
): Partial<Endpoints> | undefined {
  if (state.kind === 'fresh') return endpointPatch(settings, service, state.record.address, state.record.port);
  if (state.kind === 'docassemble')
    return endpointPatch(settings, service, state.address, servicePort(settings, service));
  return undefined;
}

/** The endpoints before discovery: settings and local services; discovered fields get filled in. */
function baseEndpoints(settings: Settings, plan: ServiceLookup[]): Endpoints {
  const base = localEndpoints(settings);
  // A log server to be discovered is none until it is found; local or off means none too.
  if (plan.some((p) => p.service === 'log' && p.how !== 'setting')) base.logServer = undefined;
  return base;
}

async function readStates(
  store: Store,
  services: DiscoveredService[],
  now: number,
): Promise<Map<DiscoveredService, ServiceState>> {
  const entries = await Promise.all(services.map(async (s) => [s, await readServiceState(store, s, now)] as const));
  return new Map(entries);
}

interface Missing {
  service: DiscoveredService;
  line: string;
}

function timeoutError(
  store: Store,
  missing: Missing[],
  lastError: unknown,
  timeoutMs: number,
  settings: Settings,
): RolevisorError {
  const names = missing.map((m) => m.service);
  return catalogError(
    'RV_DISCOVERY_TIMEOUT',
    'noFreshRecord',
    {
      services: names,
      store: store.describe(),
      waitedMs: timeoutMs,
      storeProblem: lastError ? (lastError as Error).message : undefined,
      settings: names.map((n) => SETTING_FOR[n]),
      timeoutSec: settings.discovery.timeoutSec,
    },
    { details: missing.map((m) => m.line) },
  );
}

export async function resolveEndpoints(
  settings: Settings,
  store: Store,
  log: Logger,
  options: LookupOptions,
): Promise<Endpoints> {
  const dlog = log.child({ component: 'discovery' });
  const now = options.now ?? Date.now;
  const plan = lookupPlan(settings, options.catalog ?? loadRoleCatalog());
  const endpoints = baseEndpoints(settings, plan);
  const wanted = plan.filter((p) => p.how === 'discover');
  dlog.info(
    { plan: Object.fromEntries(plan.map((p) => [p.service, p.required ? 'discover (required)' : p.how])) },
    wanted.length === 0
      ? 'backend endpoints: all from settings or this host'
      : `looking up ${wanted.map((p) => p.service).join(', ')} in the ${store.describe()}`,
  );
  if (wanted.length === 0) return endpoints;

  const started = now();
  const pollMs = options.pollMs ?? 2000;
  const logEveryMs = options.logEveryMs ?? 10_000;
  let lastLog = Number.NEGATIVE_INFINITY;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    let states: Map<DiscoveredService, ServiceState> | undefined;
    try {
      states = await readStates(
        store,
        wanted.map((p) => p.service),
        now(),
      );
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const missing: Missing[] = wanted
      .filter((p) => p.required && !(states && patchFromState(settings, p.service, states.get(p.service)!)))
      .map((p) => ({
        service: p.service,
        line: states ? describeState(p.service, states.get(p.service)!) : `${p.service}: store not readable`,
      }));
    if (states && missing.length === 0) {
      for (const p of wanted) {
        const state = states.get(p.service)!;
        const patch = patchFromState(settings, p.service, state);
        if (patch) Object.assign(endpoints, patch);
        if (patch || state.kind !== 'missing')
          dlog.info({ backend: p.service, state: state.kind }, `found ${describeState(p.service, state)}`);
        else
          dlog.info(
            { backend: p.service },
            `no ${p.service} record: logs are not forwarded until a log server publishes one`,
          );
      }
      dlog.info(
        { waitedMs: now() - started },
        `backend endpoints resolved after ${((now() - started) / 1000).toFixed(1)} s`,
      );
      return endpoints;
    }
    const waited = now() - started;
    if (waited >= options.timeoutMs) throw timeoutError(store, missing, lastError, options.timeoutMs, settings);
    options.onWaiting?.(
      `the backend: ${missing.map((m) => m.line).join('; ')} (${Math.round(waited / 1000)} of ${Math.round(options.timeoutMs / 1000)} s, DISCOVERYTIMEOUT)`,
    );
    if (now() - lastLog >= logEveryMs) {
      lastLog = now();
      const storeProblem = lastError ? ` (reading the store failed: ${(lastError as Error).message})` : '';
      dlog.info(
        {
          waiting: missing.map((m) => m.line),
          waitedS: Math.round(waited / 1000),
          timeoutS: Math.round(options.timeoutMs / 1000),
        },
        `waiting for the backend${storeProblem}: ${missing.map((m) => m.line).join('; ')} — ${Math.round(waited / 1000)} of ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    try {
      await sleep(Math.min(pollMs, Math.max(0, options.timeoutMs - waited)), undefined, { signal: options.signal });
    } catch (error) {
      options.signal?.throwIfAborted(); // the caller's reason, not a generic AbortError
      throw error;
    }
  }
}
