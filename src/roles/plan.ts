// Roles → the services to run, in dependency order (a service starts after every service
// it names in `after` that runs on this host; remote ones are the app's business).
import { catalogError } from '../errors.js';
import type { RoleCatalog } from './catalog.js';
import type { ServiceEntry } from './schema.js';

export interface PlannedService extends ServiceEntry {
  role: string;
  /** `after` restricted to services in this plan. */
  dependsOn: string[];
  /** Of dependsOn, those started alongside (starts_with): awaited before ready, not before start. */
  startsWith: string[];
}

export function planServices(roles: string[], catalog: RoleCatalog): PlannedService[] {
  const entries: PlannedService[] = [];
  for (const roleName of roles) {
    const role = catalog.get(roleName);
    if (!role) continue;
    for (const svc of role.services) entries.push({ ...svc, role: roleName, dependsOn: [], startsWith: [] });
  }
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    e.dependsOn = e.after.filter((a) => names.has(a));
    e.startsWith = e.starts_with.filter((a) => e.dependsOn.includes(a));
  }
  return topologicalOrder(entries);
}

/** Kahn's algorithm, keeping the catalogue order among services that are free to start. */
export function topologicalOrder(entries: PlannedService[]): PlannedService[] {
  const ordered: PlannedService[] = [];
  const done = new Set<string>();
  let pending = [...entries];
  while (pending.length > 0) {
    const ready = pending.filter((e) => e.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) {
      throw catalogError('RV_ROLE_FILE_INVALID', 'cycle', { services: pending.map((p) => p.name) });
    }
    for (const e of ready) {
      ordered.push(e);
      done.add(e.name);
    }
    pending = pending.filter((e) => !done.has(e.name));
  }
  return ordered;
}
