// Which generation a service's local data descends from, in a file beside its data
// directory: the generation it was restored from or last backed up as. A volume that comes
// back (a re-attached disk, an old node) may hold data older than what another host has
// since backed up; keeping it would serve stale data and, at the next stop, back it up as the
// newest generation over the newer state. The boot compares and refuses (fail closed).
import { readFile } from 'node:fs/promises';
import { catalogError } from '../errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import type { Candidate } from './candidates.js';

export interface Lineage {
  /** The generation this data equals (restored from, or backed up as). */
  generation?: string;
  /** A backup of this data being committed: the next boot may find it in the store. */
  pending?: string;
  /** The operator restored this generation on purpose (`rolevisor restore`): never stale. */
  chosen?: boolean;
  /** The newest generation the restore tried: newer than `generation` when that one was damaged. */
  considered?: string;
  at: string;
}

export const lineagePath = (dataDir: string): string => `${dataDir}.lineage.json`;

export async function readLineage(dataDir: string): Promise<Lineage | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lineagePath(dataDir), 'utf8')) as Lineage;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function writeLineage(dataDir: string, lineage: Omit<Lineage, 'at'>): Promise<void> {
  await writeFileAtomic(lineagePath(dataDir), `${JSON.stringify({ ...lineage, at: new Date().toISOString() })}\n`, {
    mode: 0o600,
  });
}

/** `considered`: the newest generation the restore tried (it fell back from damaged ones). */
export const recordRestored = (
  dataDir: string,
  generation: string,
  options: { chosen?: boolean; considered?: string } = {},
): Promise<void> =>
  writeLineage(dataDir, {
    generation,
    ...(options.chosen ? { chosen: true } : {}),
    ...(options.considered && options.considered !== generation ? { considered: options.considered } : {}),
  });

/** Before the manifest is written: a crash between the two must not make our own backup look foreign. */
export async function recordPending(dataDir: string, generation: string): Promise<void> {
  const current = await readLineage(dataDir);
  await writeLineage(dataDir, {
    ...(current?.generation ? { generation: current.generation } : {}),
    pending: generation,
  });
}

export const recordBackedUp = (dataDir: string, generation: string): Promise<void> =>
  writeLineage(dataDir, { generation });

/**
 * Throws RV_LOCAL_DATA_STALE when the store holds a generation of this service newer than
 * the one its local data descends from. Unknown lineage (data from before this check, or
 * never backed up) is not judged: `describe` says so.
 */
export function checkNotStale(
  service: string,
  dataDir: string,
  lineage: Lineage | undefined,
  newest: Candidate | undefined,
): string {
  if (!newest) return 'the store holds no generation of it';
  if (!lineage?.generation && !lineage?.pending)
    return `no record of which generation it descends from (${lineagePath(dataDir)})`;
  if (lineage.chosen) return `it was restored from generation ${lineage.generation} on purpose`;
  const known = [lineage.generation, lineage.pending, lineage.considered].filter(
    (id): id is string => id !== undefined,
  );
  if (known.includes(newest.id) || known.some((id) => id > newest.id))
    return `it is generation ${newest.id} or newer, the newest in the store`;
  const { manifest } = newest.summary;
  throw catalogError('RV_LOCAL_DATA_STALE', 'newerInStore', {
    service,
    dataDir,
    from: lineage.pending ?? lineage.generation,
    newest: newest.id,
    host: manifest.host,
    time: manifest.time,
    lineageFile: lineagePath(dataDir),
  });
}
