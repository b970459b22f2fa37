// Retention. The newest `keep` generations that pass verification are kept whatever their
// age (safety rule 4); others go once older than maxAgeDays. Leftovers of backups that died
// before their manifest go after an hour. Deleting a generation removes its manifest first,
// so it stops existing at once and a half-deleted one reads as a leftover.
import type { Store } from '../store/store.js';
import { generationPrefix, manifestKey } from './manifest.js';
import { partsPresent, verifyGeneration } from './read.js';
import { scanGenerations, type GenerationSummary } from './scan.js';

export interface PruneOptions {
  /** Always keep this many verified generations (BACKUPKEEP). */
  keep: number;
  /** Delete generations older than this (DABACKUPDAYS); 0 keeps only `keep`. */
  maxAgeDays: number;
  now?: Date;
  /**
   * How a generation earns a place among the `keep`: 'sizes' (default) compares the stored
   * objects with the manifest; 'full' reads every part and checks its sha256.
   */
  verify?: 'sizes' | 'full';
  /** Manifest-less leftovers older than this are deleted (default one hour). */
  incompleteMaxAgeMs?: number;
}

export interface PruneResult {
  deleted: { id: string; reason: string }[];
  /** Ids of the generations counted as the verified `keep`. */
  kept: string[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

async function passes(store: Store, summary: GenerationSummary, verify: 'sizes' | 'full'): Promise<boolean> {
  if (!partsPresent(summary)) return false;
  return verify === 'sizes' || (await verifyGeneration(store, summary.manifest)).ok;
}

async function deleteGeneration(store: Store, id: string): Promise<void> {
  await store.delete(manifestKey(id));
  await store.deletePrefix(generationPrefix(id));
}

export async function pruneGenerations(store: Store, options: PruneOptions): Promise<PruneResult> {
  const now = (options.now ?? new Date()).getTime();
  const maxAgeMs = options.maxAgeDays * DAY_MS;
  const scan = await scanGenerations(store);
  const result: PruneResult = { deleted: [], kept: [] };

  // Newest first: the first `keep` that pass are protected; a damaged one does not count.
  const protectedIds = new Set<string>();
  for (const summary of scan.complete) {
    if (protectedIds.size >= options.keep) break;
    if (await passes(store, summary, options.verify ?? 'sizes')) protectedIds.add(summary.id);
  }
  // The newest `keep` base backups too, even behind newer generations without one (Redis at a
  // stop): the WAL and PostgreSQL's restore hang on them.
  let bases = 0;
  for (const summary of scan.complete) {
    if (bases >= options.keep) break;
    if (!summary.manifest.wal) continue;
    if (protectedIds.has(summary.id) || (await passes(store, summary, options.verify ?? 'sizes'))) {
      protectedIds.add(summary.id);
      bases += 1;
    }
  }
  result.kept = [...protectedIds];

  for (const summary of scan.complete) {
    if (protectedIds.has(summary.id)) continue;
    const age = now - new Date(summary.manifest.time).getTime();
    if (age > maxAgeMs) {
      await deleteGeneration(store, summary.id);
      result.deleted.push({ id: summary.id, reason: `older than ${options.maxAgeDays} days` });
    }
  }
  for (const broken of scan.broken) {
    if (now - broken.time.getTime() > maxAgeMs) {
      await deleteGeneration(store, broken.id);
      result.deleted.push({ id: broken.id, reason: `invalid manifest, older than ${options.maxAgeDays} days` });
    }
  }
  const incompleteMaxAge = options.incompleteMaxAgeMs ?? HOUR_MS;
  for (const leftover of scan.incomplete) {
    const age = now - Math.max(leftover.time.getTime(), leftover.lastModified.getTime());
    if (age > incompleteMaxAge) {
      await store.deletePrefix(generationPrefix(leftover.id));
      result.deleted.push({ id: leftover.id, reason: 'no manifest (an interrupted backup)' });
    }
  }
  return result;
}
