// Retention of Redis snapshots, consistent with the generations: every snapshot after the
// oldest point in time that must stay restorable (`keepFrom`: the oldest kept generation's
// time) stays, and so does the newest intact one at or before it, which is what a restore to
// that point would use. The newest snapshot always stays. Record-less leftovers of
// interrupted uploads go after an hour.
import type { Logger } from '../../log.js';
import type { Store } from '../../store/store.js';
import { listSnapshots, snapshotDataKey, snapshotRecordKey } from './layout.js';

export interface SnapshotPruneOptions {
  /** The oldest moment that must stay restorable; undefined keeps every snapshot. */
  keepFrom: Date | undefined;
  now?: Date;
  log: Logger;
  leftoverMaxAgeMs?: number;
}

const HOUR_MS = 3_600_000;

export async function pruneRedisSnapshots(store: Store, options: SnapshotPruneOptions): Promise<{ deleted: string[] }> {
  const now = (options.now ?? new Date()).getTime();
  const { complete, leftovers } = await listSnapshots(store);
  const deleted: string[] = [];
  if (options.keepFrom) {
    const keepFrom = options.keepFrom.getTime();
    // Newest first: keep all after keepFrom, then the first one at or before it; the rest go.
    // An object of size 0 cannot be a zstd frame: it does not count as the one kept.
    let anchored = false;
    for (const [index, snapshot] of complete.entries()) {
      if (snapshot.time.getTime() > keepFrom) continue;
      if (index === 0 || !anchored) {
        anchored = snapshot.size > 0;
        continue;
      }
      await store.delete(snapshotRecordKey(snapshot.id));
      await store.delete(snapshotDataKey(snapshot.id));
      deleted.push(snapshot.id);
    }
  }
  for (const object of leftovers) {
    if (now - object.modified.getTime() <= (options.leftoverMaxAgeMs ?? HOUR_MS)) continue;
    await store.delete(object.key);
    deleted.push(object.key);
  }
  if (deleted.length > 0)
    options.log.info(
      { deleted: deleted.length },
      `pruned ${deleted.length} Redis snapshot(s) no kept point in time needs`,
    );
  return { deleted };
}
