// Which PostgreSQL programs to run: Debian installs each major version under
// /usr/lib/postgresql/<major>/bin. An existing cluster needs the major that created it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogError } from '../../errors.js';

export const POSTGRES_LIB = '/usr/lib/postgresql';

export interface PostgresBinaries {
  major: number;
  bin: string;
}

/** Installed major versions, newest first. */
export function installedMajors(root = POSTGRES_LIB): number[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'postgres')))
    .map(Number)
    .sort((a, b) => b - a);
}

/** The major version recorded in a cluster's PG_VERSION, or undefined when there is no cluster. */
export function clusterMajor(dataDir: string): number | undefined {
  try {
    const text = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The binaries for `wanted` (an existing cluster's major), else the newest installed. */
export function postgresBinaries(wanted: number | undefined, root = POSTGRES_LIB): PostgresBinaries {
  const majors = installedMajors(root);
  if (majors.length === 0) {
    throw catalogError('RV_PREPARE_FAILED', 'postgresMissing', { root });
  }
  const major = wanted ?? majors[0];
  if (!majors.includes(major)) {
    throw catalogError('RV_PREPARE_FAILED', 'postgresMajor', { major, installed: majors });
  }
  return { major, bin: join(root, String(major), 'bin') };
}
