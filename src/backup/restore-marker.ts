// A restore into a running service (an engine that restores after its service is ready, such
// as PostgreSQL's dumps) writes into live data: until it finished, the data directory
// holds a cluster that looks real but is partial. A marker next to it (written before the
// restore begins, removed once it succeeded) tells the next boot to throw that cluster away
// and restore again, instead of keeping it as "local data" and backing it up over the store.
import { readFile, rm, unlink } from 'node:fs/promises';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../util/fsx.js';

export const restoreMarkerPath = (dataDir: string): string => `${dataDir}.restoring`;

export async function markRestoring(dataDir: string, generation: string): Promise<void> {
  await writeFileAtomic(
    restoreMarkerPath(dataDir),
    `${JSON.stringify({ generation, startedAt: new Date().toISOString() })}\n`,
    { mode: 0o600 },
  );
}

export async function clearRestoring(dataDir: string): Promise<void> {
  await unlink(restoreMarkerPath(dataDir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** The marker's text when a previous restore did not finish, else undefined. */
export async function unfinishedRestore(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(restoreMarkerPath(dataDir), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes the partial cluster a killed or failed restore left, and its marker. */
export async function discardUnfinishedRestore(dataDir: string, log: Logger): Promise<boolean> {
  const marker = await unfinishedRestore(dataDir);
  if (marker === undefined) return false;
  log.warn(
    { dataDir, marker },
    `a previous restore into ${dataDir} did not finish (${marker}); removing the partial cluster and restoring again`,
  );
  await rm(dataDir, { recursive: true, force: true });
  await clearRestoring(dataDir);
  return true;
}
