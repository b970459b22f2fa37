// Retention of the files' indexes and objects, consistent with the generations: every index
// after `keepFrom` (the oldest kept point in time) stays, with the newest readable one at or
// before it; an object goes only when no kept index lists it and it is older than an hour
// (a sync running now may have uploaded it for an index it has not written yet).
import type { Logger } from '../../log.js';
import type { Store } from '../../store/store.js';
import { fileIndexKey, fileObjectKey, listFileObjects, listIndexes, readIndex } from './layout.js';

export interface FilesPruneOptions {
  keepFrom: Date | undefined;
  now?: Date;
  log: Logger;
  objectMinAgeMs?: number;
}

const HOUR_MS = 3_600_000;

export async function pruneFiles(
  store: Store,
  options: FilesPruneOptions,
): Promise<{ indexes: string[]; objects: string[] }> {
  const deleted = { indexes: [] as string[], objects: [] as string[] };
  if (!options.keepFrom) return deleted;
  const keepFrom = options.keepFrom.getTime();
  const now = (options.now ?? new Date()).getTime();
  const referenced = new Set<string>();
  let anchored = false;
  for (const listed of await listIndexes(store)) {
    const needed = listed.time.getTime() > keepFrom || !anchored;
    if (needed) {
      try {
        for (const entry of (await readIndex(store, listed.id)).files) referenced.add(entry.sha256);
        if (listed.time.getTime() <= keepFrom) anchored = true;
      } catch {
        // A damaged index anchors nothing; it stays for a person to look at until it is old.
      }
      continue;
    }
    await store.delete(fileIndexKey(listed.id));
    deleted.indexes.push(listed.id);
  }
  for (const [sha, object] of await listFileObjects(store)) {
    if (referenced.has(sha)) continue;
    if (now - object.modified.getTime() <= (options.objectMinAgeMs ?? HOUR_MS)) continue;
    await store.delete(fileObjectKey(sha));
    deleted.objects.push(sha);
  }
  if (deleted.indexes.length + deleted.objects.length > 0)
    options.log.info(
      { indexes: deleted.indexes.length, objects: deleted.objects.length },
      `pruned ${deleted.indexes.length} files index(es) and ${deleted.objects.length} object(s) no kept point in time needs`,
    );
  return deleted;
}
