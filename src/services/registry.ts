// Service kinds by name, with the system user each runs as when rolevisor is root.
import type { ServiceFactory } from './types.js';

export interface KindEntry {
  user: string | undefined;
  load: () => Promise<ServiceFactory>;
}

export const KINDS: Record<string, KindEntry> = {};

export function kindNames(): string[] {
  return Object.keys(KINDS).sort();
}
