// The Erlang cookie of the node: random, made once, in the node's HOME, readable by the
// rabbitmq user alone (Erlang refuses a cookie file others can read).
import { chmod, chown } from 'node:fs/promises';
import { ensureGeneratedSecret, UPPERCASE } from '../../util/generated-secret.js';
import type { Identity } from '../../util/identity.js';

export async function ensureErlangCookie(file: string, owner: Identity | undefined): Promise<string> {
  const cookie = await ensureGeneratedSecret(file, { length: 32, alphabet: UPPERCASE, mode: 0o400, owner });
  if (!cookie.created) {
    await chmod(file, 0o400);
    if (owner) await chown(file, owner.uid, owner.gid);
  }
  return cookie.value;
}
