// PostgreSQL's WAL file names and where each lives in the store. A segment name is
// TTTTTTTTXXXXXXXXYYYYYYYY (timeline, then the segment number split in two with 16 MiB
// segments: 256 segments per "log id"); a timeline's history file is TTTTTTTT.history.
// Each object is immutable and self-describing: its key carries the sha256 of the stored
// (compressed) bytes, so a listing is all a restore needs to plan and verify the chain.
//   wal/<timeline>/<segment name>.<sha256>.zst
//   wal/<timeline>/<timeline>.history.<sha256>.zst
export const WAL_PREFIX = 'wal/';
export const SEGMENTS_PER_XLOGID = 0x100; // 2^32 / 16 MiB
export const SEGMENT_BYTES = 16 * 1024 * 1024;

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;
const KEY = /^wal\/([0-9A-F]{8})\/([0-9A-F]{24}|[0-9A-F]{8}\.history)\.([0-9a-f]{64})\.zst$/;

export interface WalName {
  name: string;
  timeline: number;
  kind: 'segment' | 'history';
  /** The segment number (log id * 256 + segment); 0 for a history file. */
  segno: number;
}

export function parseWalName(name: string): WalName | undefined {
  const segment = SEGMENT.exec(name);
  if (segment) {
    const low = parseInt(segment[3], 16);
    if (low >= SEGMENTS_PER_XLOGID) return undefined;
    return {
      name,
      timeline: parseInt(segment[1], 16),
      kind: 'segment',
      segno: parseInt(segment[2], 16) * SEGMENTS_PER_XLOGID + low,
    };
  }
  const history = HISTORY.exec(name);
  if (history) return { name, timeline: parseInt(history[1], 16), kind: 'history', segno: 0 };
  return undefined;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

export const segmentName = (timeline: number, segno: number): string =>
  `${hex8(timeline)}${hex8(Math.floor(segno / SEGMENTS_PER_XLOGID))}${hex8(segno % SEGMENTS_PER_XLOGID)}`;

export const historyName = (timeline: number): string => `${hex8(timeline)}.history`;

/** An LSN "16/B374D848" as a number (exact up to 2^53 bytes of WAL, years of writes). */
export function parseLsn(lsn: string): number {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(lsn)}`);
  return parseInt(match[1], 16) * 2 ** 32 + parseInt(match[2], 16);
}

export const segnoOfLsn = (lsn: number): number => Math.floor(lsn / SEGMENT_BYTES);

export const walKey = (wal: WalName, sha256: string): string =>
  `${WAL_PREFIX}${hex8(wal.timeline)}/${wal.name}.${sha256}.zst`;

export const walTimelinePrefix = (timeline: number): string => `${WAL_PREFIX}${hex8(timeline)}/`;

export interface StoredWal extends WalName {
  key: string;
  sha256: string;
  size: number;
  modified: Date;
}

/** A listed key as a WAL object, or undefined for anything else under wal/. */
export function parseWalKey(key: string, size: number, modified: Date): StoredWal | undefined {
  const match = KEY.exec(key);
  if (!match) return undefined;
  const wal = parseWalName(match[2]);
  if (!wal || hex8(wal.timeline) !== match[1]) return undefined;
  return { ...wal, key, sha256: match[3], size, modified };
}

/**
 * Where a new cluster's WAL must start on a store that already holds another cluster's: a
 * timeline past every archived one and a segment past every archived one, so none of its
 * segment or history names can ever be one the store holds (pg_resetwal -l takes it).
 * Undefined for a store with no WAL.
 */
export function walStartPast(stored: readonly WalName[]): string | undefined {
  if (stored.length === 0) return undefined;
  const timeline = Math.max(...stored.map((w) => w.timeline)) + 1;
  const segno = Math.max(...stored.map((w) => w.segno)) + 1;
  return segmentName(timeline, segno);
}
