// The restorable window of PostgreSQL: any moment from the end of the oldest base backup
// in the store to the last archived WAL segment (for `rolevisor generations` and status).
import type { GenerationScan } from '../../generations/scan.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import { listWal } from './restore-base.js';

export interface RestorableWindow {
  from: string;
  to: string;
  baseBackups: number;
  walSegments: number;
  walBytes: number;
}

export async function restorableWindow(store: Store, scan: GenerationScan): Promise<RestorableWindow | undefined> {
  const ends = scan.complete.flatMap((g) => (g.manifest.wal ? [new Date(g.manifest.wal.endTime).getTime()] : []));
  if (ends.length === 0) return undefined;
  const segments = (await listWal(store)).filter((w) => w.kind === 'segment');
  const last = Math.max(...ends, ...segments.map((s) => s.modified.getTime()));
  return {
    from: new Date(Math.min(...ends)).toISOString(),
    to: new Date(last).toISOString(),
    baseBackups: ends.length,
    walSegments: segments.length,
    walBytes: segments.reduce((sum, s) => sum + s.size, 0),
  };
}

export const formatWindow = (w: RestorableWindow | undefined): string =>
  w
    ? `PostgreSQL can be restored to any moment from ${w.from} to ${w.to} (${w.baseBackups} base backup(s), ${w.walSegments} WAL segment(s), ${formatBytes(w.walBytes)}): rolevisor restore --time <ISO 8601>\n`
    : '';
