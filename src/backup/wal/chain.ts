// Which archived WAL segments a base backup needs, in order, and where the chain breaks.
// PostgreSQL follows the newest timeline descending from the base backup's: for each
// segment number it reads the file of the newest timeline that had begun by then (a
// timeline's history file lists its ancestors and where each ended). A missing segment
// while later ones exist is a gap; the chain before it is all that can be replayed.
import { parseLsn, segmentName, segnoOfLsn, type StoredWal } from './names.js';

export interface HistoryEntry {
  /** An ancestor timeline and the LSN where it ended (the next one began). */
  timeline: number;
  switchLsn: number;
}

/** A timeline history file: "1\t0/3000000\tno recovery target specified" per line. */
export function parseHistory(text: string): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [tli, lsn] = trimmed.split(/\s+/);
    if (!tli || !lsn) continue;
    entries.push({ timeline: Number(tli), switchLsn: parseLsn(lsn) });
  }
  return entries;
}

export interface ChainInput {
  baseTimeline: number;
  startSegno: number;
  endSegno: number;
  segments: StoredWal[];
  /** Parsed history of every timeline that has a history file. */
  histories: Map<number, HistoryEntry[]>;
}

export interface Chain {
  /** The timeline recovery ends on (recovery_target_timeline). */
  timeline: number;
  /** Every segment to replay, in order. */
  segments: StoredWal[];
  /** Set when a segment is missing while later ones exist (segment name missing). */
  gap?: string;
  /** The base backup cannot become consistent: a segment up to its end is missing. */
  incomplete?: string;
}

/** The newest timeline whose ancestry contains the base backup's timeline after the backup started. */
export function targetTimeline(input: Pick<ChainInput, 'baseTimeline' | 'startSegno' | 'histories'>): number {
  let best = input.baseTimeline;
  for (const [tli, history] of input.histories) {
    if (tli <= best) continue;
    const branch = history.find((h) => h.timeline === input.baseTimeline);
    if (branch && segnoOfLsn(branch.switchLsn) >= input.startSegno) best = tli;
  }
  return best;
}

export function planChain(input: ChainInput): Chain {
  const timeline = targetTimeline(input);
  // [timeline, first segno on it], oldest first.
  const ranges: { timeline: number; beginSegno: number }[] = [];
  let begin = 0;
  for (const entry of input.histories.get(timeline) ?? []) {
    ranges.push({ timeline: entry.timeline, beginSegno: begin });
    begin = segnoOfLsn(entry.switchLsn);
  }
  ranges.push({ timeline, beginSegno: begin });
  const onChain = new Set(ranges.map((r) => r.timeline));
  const timelineOf = (segno: number) => [...ranges].reverse().find((r) => r.beginSegno <= segno)!.timeline;
  const byName = new Map(input.segments.filter((s) => s.kind === 'segment').map((s) => [s.name, s]));
  const newest = Math.max(
    -1,
    ...input.segments.filter((s) => s.kind === 'segment' && onChain.has(s.timeline)).map((s) => s.segno),
  );
  const chain: Chain = { timeline, segments: [] };
  for (let segno = input.startSegno; segno <= newest; segno += 1) {
    const name = segmentName(timelineOf(segno), segno);
    const found = byName.get(name);
    if (!found) {
      if (segno <= input.endSegno) chain.incomplete = name;
      else chain.gap = name;
      break;
    }
    chain.segments.push(found);
  }
  if (!chain.incomplete && chain.segments.length === 0 && input.endSegno >= input.startSegno)
    chain.incomplete = segmentName(timelineOf(input.startSegno), input.startSegno);
  else if (!chain.incomplete && chain.segments.at(-1) && chain.segments.at(-1)!.segno < input.endSegno)
    chain.incomplete = segmentName(timelineOf(chain.segments.at(-1)!.segno + 1), chain.segments.at(-1)!.segno + 1);
  return chain;
}
