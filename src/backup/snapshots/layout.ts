// Where continuous Redis snapshots live in the store, and how one is described. Each
// snapshot is two immutable objects: the zstd-compressed RDB, then a small JSON record of
// it (size, sha256, time). The record is written last: a snapshot without one does not exist.
//   redis/snapshots/<id>.rdb.zst   the RDB through zstd -1
//   redis/snapshots/<id>.json      { format, id, time, size, sha256, rdbBytes, ... }
// <id> is a generation-style id (UTC time, fixed width, random tail): ids sort in time order.
import { z } from 'zod';
import { generationTime, isGenerationId, newGenerationId } from '../../generations/id.js';
import type { ListedObject, Store } from '../../store/store.js';

export const REDIS_SNAPSHOTS_PREFIX = 'redis/snapshots/';
export const SNAPSHOT_FORMAT = 1;
const DATA_SUFFIX = '.rdb.zst';
const RECORD_SUFFIX = '.json';

export const snapshotDataKey = (id: string): string => `${REDIS_SNAPSHOTS_PREFIX}${id}${DATA_SUFFIX}`;
export const snapshotRecordKey = (id: string): string => `${REDIS_SNAPSHOTS_PREFIX}${id}${RECORD_SUFFIX}`;
export const newSnapshotId = (time: Date): string => newGenerationId(time);

const recordSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  id: z.string(),
  /** The dataset's point in time: the moment Redis answered BGSAVE (the fork). */
  time: z.string(),
  host: z.string(),
  redisVersion: z.string(),
  /** The stored (compressed) object. */
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  compression: z.literal('zstd'),
  /** dump.rdb before compression. */
  rdbBytes: z.number().int().nonnegative(),
});

export type SnapshotRecord = z.infer<typeof recordSchema>;

/** A snapshot the listing shows complete (both objects), not yet read or verified. */
export interface ListedSnapshot {
  id: string;
  time: Date;
  /** Size of the stored data object, from the listing. */
  size: number;
  modified: Date;
}

export interface SnapshotListing {
  /** Both objects present, newest first. */
  complete: ListedSnapshot[];
  /** Objects of a snapshot whose record never came (an interrupted upload). */
  leftovers: ListedObject[];
}

function idOf(key: string): { id: string; suffix: string } | undefined {
  const name = key.slice(REDIS_SNAPSHOTS_PREFIX.length);
  for (const suffix of [DATA_SUFFIX, RECORD_SUFFIX]) {
    if (!name.endsWith(suffix)) continue;
    const id = name.slice(0, -suffix.length);
    if (isGenerationId(id)) return { id, suffix };
  }
  return undefined;
}

export async function listSnapshots(store: Store): Promise<SnapshotListing> {
  const data = new Map<string, ListedObject>();
  const records = new Map<string, ListedObject>();
  for (const object of await store.list(REDIS_SNAPSHOTS_PREFIX)) {
    const parsed = idOf(object.key);
    if (!parsed) continue; // not ours
    (parsed.suffix === DATA_SUFFIX ? data : records).set(parsed.id, object);
  }
  const listing: SnapshotListing = { complete: [], leftovers: [] };
  for (const [id, object] of data) {
    if (records.has(id))
      listing.complete.push({ id, time: generationTime(id)!, size: object.size, modified: object.modified });
    else listing.leftovers.push(object);
  }
  for (const [id, object] of records) if (!data.has(id)) listing.leftovers.push(object);
  listing.complete.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return listing;
}

/** Reads and checks a snapshot's record; throws with the reason when it is unusable. */
export async function readSnapshotRecord(store: Store, id: string): Promise<SnapshotRecord> {
  const text = await store.getText(snapshotRecordKey(id));
  if (text === undefined) throw new Error(`its record ${snapshotRecordKey(id)} is missing`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`its record ${snapshotRecordKey(id)} is not JSON`);
  }
  const result = recordSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `its record ${snapshotRecordKey(id)} is not valid (${issue?.path.join('.') || '(root)'}: ${issue?.message})`,
    );
  }
  if (result.data.id !== id) throw new Error(`its record names snapshot ${result.data.id}`);
  return result.data;
}

export const serializeSnapshotRecord = (record: SnapshotRecord): string => `${JSON.stringify(record, null, 2)}\n`;
