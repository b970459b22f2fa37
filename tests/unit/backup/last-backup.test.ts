// The boot's warning that the next stop may not fit the backup: over 80% of STOPTIMEOUT, or
// a stop backup the deadline cut short; it names the settings to raise.
import { slowBackupWarning } from '../../../src/backup/last-backup.js';
import type { BackupRecord } from '../../../src/status/runtime.js';

const record = (over: Partial<BackupRecord>): BackupRecord => ({
  trigger: 'stop',
  startedAt: 0,
  durationMs: 1000,
  bytes: 1,
  ok: true,
  ...over,
});

test('fast enough: no warning', () => {
  expect(slowBackupWarning(record({ durationMs: 24_000 }), undefined, 30)).toBeUndefined();
  expect(slowBackupWarning(undefined, undefined, 30)).toBeUndefined();
});

test('over 80% of STOPTIMEOUT: the warning names STOPTIMEOUT, ECS stopTimeout and docker stop -t', () => {
  const text = slowBackupWarning(record({ durationMs: 24_500 }), undefined, 30);
  expect(text).toMatch(/took 24\.5 s, more than 80% of STOPTIMEOUT=30 s/);
  expect(text).toMatch(/stopTimeout, at most 120 s on Fargate/);
  expect(text).toMatch(/docker stop -t/);
});

test('a fresh container without the local record uses the newest manifest', () => {
  expect(slowBackupWarning(undefined, 50_000, 60)).toMatch(/took 50\.0 s/);
  expect(slowBackupWarning(undefined, 40_000, 60)).toBeUndefined();
});

test('a stop backup abandoned at the deadline is reported as such', () => {
  const text = slowBackupWarning(
    record({ ok: false, error: 'generation x: the backup did not finish within the stop deadline (STOPTIMEOUT=30 s)' }),
    1000,
    30,
  );
  expect(text).toMatch(/did not finish within STOPTIMEOUT=30 s/);
});

test('a failed backup for another reason falls back to the manifest', () => {
  expect(slowBackupWarning(record({ ok: false, error: 'pg_dump exited with code 1' }), 1000, 30)).toBeUndefined();
});
