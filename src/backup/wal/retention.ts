// WAL retention: a segment goes only once no kept base backup needs it, i.e. when it comes
// before the start of the oldest base backup still in the store. Timeline history files
// stay (a few bytes each; a restore needs them to follow the timelines).
import type { Logger } from '../../log.js';
import { scanGenerations } from '../../generations/scan.js';
import type { Store } from '../../store/store.js';
import { parseLsn, segnoOfLsn } from './names.js';
import { listWal } from './restore-base.js';

export async function pruneWal(store: Store, log: Logger): Promise<number> {
  const scan = await scanGenerations(store);
  const starts = scan.complete
    .map((g) => g.manifest.wal)
    .filter((w) => w !== undefined)
    .map((w) => segnoOfLsn(parseLsn(w.start)));
  // Without a base backup, every segment may still be what some restore needs.
  if (starts.length === 0) return 0;
  const oldest = Math.min(...starts);
  const old = (await listWal(store)).filter((w) => w.kind === 'segment' && w.segno < oldest);
  for (const wal of old) await store.delete(wal.key);
  if (old.length > 0)
    log.info({ segments: old.length }, `retention deleted ${old.length} WAL segment(s) no kept base backup needs`);
  return old.length;
}
