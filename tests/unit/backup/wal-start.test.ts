// Where a new cluster's WAL starts on a store holding another cluster's: past every archived
// timeline and segment, so none of its names can be one the store holds.
import { parseWalName, walStartPast } from '../../../src/backup/wal/names.js';

const names = (...list: string[]) => list.map((n) => parseWalName(n)!);

test('no WAL in the store: nothing to do', () => {
  expect(walStartPast([])).toBeUndefined();
});

test('past the newest timeline and the highest segment of any timeline', () => {
  const stored = names(
    '000000010000000000000001',
    '0000000100000000000000FF',
    '000000020000000100000003',
    '00000002.history',
  );
  // Timeline 3; segment 0x103 + 1 (log id 1, segment 4).
  expect(walStartPast(stored)).toBe('000000030000000100000004');
});

test('the start is a valid segment name whose names sort after every stored one on its timeline', () => {
  const stored = names('00000007.history', '000000010000000000000009');
  const start = walStartPast(stored)!;
  expect(parseWalName(start)).toMatchObject({ timeline: 8, segno: 10 });
});
