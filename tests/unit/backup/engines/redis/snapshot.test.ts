// Knowing that OUR BGSAVE finished: INFO persistence parsed, rdb_saves advanced (Redis 7),
// LASTSAVE advanced otherwise, and never while a save is in progress.
import { parseInfo, saveFinished, saveProgress } from '../../../../../src/backup/engines/redis/snapshot.js';

const INFO =
  '# Persistence\r\nloading:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:1700000000\r\nrdb_last_bgsave_status:ok\r\nrdb_saves:3\r\n';

test('INFO text → fields', () => {
  expect(parseInfo(INFO)).toMatchObject({ loading: '0', rdb_saves: '3', rdb_last_bgsave_status: 'ok' });
  expect(saveProgress(parseInfo(INFO))).toEqual({
    inProgress: false,
    saves: 3,
    lastSave: 1700000000,
    lastStatus: 'ok',
  });
});

test('finished only when not in progress and the save counter moved', () => {
  const before = { inProgress: false, saves: 3, lastSave: 100, lastStatus: 'ok' };
  expect(saveFinished(before, { ...before, inProgress: true, saves: 4 })).toBe(false);
  expect(saveFinished(before, { ...before })).toBe(false);
  expect(saveFinished(before, { ...before, saves: 4 })).toBe(true);
});

test('without rdb_saves (Redis < 7), LASTSAVE must advance', () => {
  const before = { inProgress: false, saves: undefined, lastSave: 100, lastStatus: 'ok' };
  expect(saveFinished(before, { ...before })).toBe(false);
  expect(saveFinished(before, { ...before, lastSave: 101 })).toBe(true);
});
