// HTTP Basic authentication for the log viewer. The viewer process never holds the
// password: its auth file (0600, the viewer's user) has the user name and the SHA-256 of
// the password. The password is random (32 characters, ~190 bits) or the operator's own, so
// a fast hash is enough; the comparison takes the same time whatever matches.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface ViewerAuth {
  user: string;
  passwordSha256: Buffer;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The auth file's content: "<user>:<hex sha256 of the password>". */
export const authFileContent = (user: string, password: string): string =>
  `${user}:${sha256(password).toString('hex')}\n`;

export async function readAuthFile(path: string): Promise<ViewerAuth> {
  const text = (await readFile(path, 'utf8')).trim();
  const at = text.lastIndexOf(':');
  const hex = text.slice(at + 1);
  if (at < 1 || !/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${path} is not "<user>:<sha256 hex>"`);
  return { user: text.slice(0, at), passwordSha256: Buffer.from(hex, 'hex') };
}

/** True when the Authorization header carries the user and password. */
export function authorized(header: string | undefined, auth: ViewerAuth): boolean {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return false;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(sha256(decoded.slice(0, colon)), sha256(auth.user));
  const passwordOk = timingSafeEqual(sha256(decoded.slice(colon + 1)), auth.passwordSha256);
  return userOk && passwordOk;
}
