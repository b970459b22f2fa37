// Can a service's user enter a directory? Every existing ancestor must be searchable (x) by
// it. Children run with their user's uid and primary gid only (libuv and setpriv
// --clear-groups drop supplementary groups), so those two decide. A 0700 parent (as
// `mktemp -d` makes) locks every service user out of what lies below it.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Identity } from './identity.js';

export interface Blocker {
  /** The first directory on the way the user cannot search. */
  dir: string;
  mode: number;
  uid: number;
  gid: number;
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    out.unshift(current);
    if (dirname(current) === current) return out;
  }
}

export function searchable(
  mode: number,
  owner: { uid: number; gid: number },
  who: Pick<Identity, 'uid' | 'gid'>,
): boolean {
  if (who.uid === 0) return true;
  if (owner.uid === who.uid) return (mode & 0o100) !== 0;
  if (owner.gid === who.gid) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

/** The first existing directory on the way to `dir` that `who` cannot search; undefined if none. */
export async function blockerOnTheWay(dir: string, who: Pick<Identity, 'uid' | 'gid'>): Promise<Blocker | undefined> {
  for (const path of ancestors(dir)) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    // What does not exist yet, rolevisor creates 0755.
    if (!info) return undefined;
    if (!searchable(info.mode, info, who)) return { dir: path, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  }
  return undefined;
}
