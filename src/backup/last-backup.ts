// How long backups take, remembered across boots, so that a boot can warn before a stop
// runs out of time: the last backup's record in a small local file (it also remembers a
// stop backup the deadline cut short), else the newest generation's manifest (a fresh
// container has no local file, the store still knows).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings } from '../settings/types.js';
import type { BackupRecord } from '../status/runtime.js';
import { writeFileAtomic } from '../util/fsx.js';

/** Warn when a backup took more than this share of STOPTIMEOUT. */
export const SLOW_SHARE = 0.8;

export const lastBackupFile = (settings: Pick<Settings, 'home'>): string => join(settings.home, 'last-backup.json');

export async function saveLastBackup(file: string, record: BackupRecord): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(record)}\n`, { mode: 0o644 });
}

export async function readLastBackup(file: string): Promise<BackupRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as BackupRecord;
    return typeof parsed.durationMs === 'number' && typeof parsed.ok === 'boolean' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const RAISE =
  'raise STOPTIMEOUT together with the grace period your orchestrator gives (ECS task definition stopTimeout, at most 120 s on Fargate; docker stop -t N or compose stop_grace_period)';

/** The warning to log at boot, or undefined when the last backup fits comfortably. */
export function slowBackupWarning(
  last: BackupRecord | undefined,
  newestManifestMs: number | undefined,
  stopTimeoutSec: number,
): string | undefined {
  const limitMs = stopTimeoutSec * 1000;
  if (last && !last.ok && last.trigger === 'stop' && last.error?.includes('STOPTIMEOUT')) {
    return `the last backup at stop did not finish within STOPTIMEOUT=${stopTimeoutSec} s and was abandoned (the store kept the generations before it); ${RAISE}`;
  }
  const durationMs = last?.ok ? last.durationMs : newestManifestMs;
  if (durationMs === undefined || durationMs <= SLOW_SHARE * limitMs) return undefined;
  return `the last backup took ${(durationMs / 1000).toFixed(1)} s, more than ${SLOW_SHARE * 100}% of STOPTIMEOUT=${stopTimeoutSec} s: the backup at the next stop may not finish in time; ${RAISE}`;
}
