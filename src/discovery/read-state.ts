// What the store says about one backend service right now: a fresh record, a stale one
// (ignored), an unreadable one (ignored), docassemble's bare hostname key (used only when
// no discovery record exists at all, for a docassemble backend), or nothing.
import type { Store } from '../store/store.js';
import {
  docassembleKey,
  isFresh,
  parseRecord,
  recordAgeMs,
  recordKey,
  type DiscoveredService,
  type DiscoveryRecord,
} from './record.js';

export type ServiceState =
  | { kind: 'fresh'; record: DiscoveryRecord }
  | { kind: 'stale'; record: DiscoveryRecord; ageMs: number }
  | { kind: 'invalid'; reason: string }
  | { kind: 'docassemble'; address: string }
  | { kind: 'missing' };

const ADDRESS = /^[A-Za-z0-9._:-]+$/;

export async function readServiceState(store: Store, service: DiscoveredService, now: number): Promise<ServiceState> {
  const text = await store.getText(recordKey(service));
  if (text !== undefined) {
    const parsed = parseRecord(text, service);
    if ('invalid' in parsed) return { kind: 'invalid', reason: parsed.invalid };
    return isFresh(parsed, now)
      ? { kind: 'fresh', record: parsed }
      : { kind: 'stale', record: parsed, ageMs: recordAgeMs(parsed, now) };
  }
  // A stale discovery record above hides this key on purpose: a rolevisor backend writes
  // both, and its hostname key outlives it when it is killed.
  const legacy = (await store.getText(docassembleKey(service)))?.trim();
  if (legacy && ADDRESS.test(legacy)) return { kind: 'docassemble', address: legacy };
  return { kind: 'missing' };
}

export function describeState(service: DiscoveredService, state: ServiceState): string {
  switch (state.kind) {
    case 'fresh':
      return `${service}: ${state.record.address}:${state.record.port} (host ${state.record.host})`;
    case 'stale':
      return `${service}: stale record of host ${state.record.host} (${state.record.address}), ${Math.round(state.ageMs / 1000)} s old, TTL ${state.record.ttlSeconds} s; ignored`;
    case 'invalid':
      return `${service}: unreadable record (${state.reason}); ignored`;
    case 'docassemble':
      return `${service}: ${state.address} (docassemble key ${docassembleKey(service)})`;
    case 'missing':
      return `${service}: no record yet`;
  }
}
