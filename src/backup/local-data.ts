// Does a service already have data on this host (a restarted container with its volume)?
// Then it is kept and nothing is restored over it; an empty one (a fresh container) is
// filled from the store.
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterMajor } from '../services/postgres/binaries.js';
import { RDB_FILE } from './redis-snapshot.js';

/** A missing directory counts as empty. */
export async function isEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** A cluster (PG_VERSION) or anything else in the directory: initdb would refuse it too. */
export async function postgresHasData(dataDir: string): Promise<boolean> {
  return clusterMajor(dataDir) !== undefined || !(await isEmptyDir(dataDir));
}

/** Redis loads dump.rdb (or an append-only directory) at start. */
export async function redisHasData(dataDir: string): Promise<boolean> {
  return (await exists(join(dataDir, RDB_FILE))) || exists(join(dataDir, 'appendonlydir'));
}
