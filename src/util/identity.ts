// Resolves a system user (postgres, redis, rabbitmq, www-data) to uid/gid from /etc/passwd,
// so children can be dropped to it with spawn's uid/gid options when rolevisor is root.
import { readFile } from 'node:fs/promises';
import { catalogError } from '../errors.js';

/** A system user to run a child as (resolved when rolevisor runs as root). */
export interface Identity {
  user: string;
  uid: number;
  gid: number;
  home: string;
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export async function lookupUser(user: string, passwdFile = '/etc/passwd'): Promise<Identity> {
  const text = await readFile(passwdFile, 'utf8');
  for (const line of text.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':');
    if (name === user && uid !== undefined && gid !== undefined) {
      return { user, uid: Number(uid), gid: Number(gid), home: home || '/' };
    }
  }
  throw catalogError('RV_PREPARE_FAILED', 'noSystemUser', { user });
}

/** The identity a service should run as: its user when we are root, else ourselves. */
export async function identityFor(user: string | undefined): Promise<Identity | undefined> {
  if (!user || !isRoot()) return undefined;
  return lookupUser(user);
}
