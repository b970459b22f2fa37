// SCRAM-SHA-256 password verifiers in PostgreSQL's stored format
//   SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>   (base64 parts)
// so rolevisor can set a role's password without the plain text ever reaching the server
// (where a statement log could record it): only the verifier is sent.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { saslprep } from './saslprep.js';

/** PostgreSQL's default (scram_iterations, fixed at 4096 before version 16). */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

function computeKeys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(Buffer.from(saslprep(password), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { storedKey: createHash('sha256').update(clientKey).digest(), serverKey: hmac(salted, 'Server Key') };
}

export function formatScramVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

/** A new verifier for `password` (random salt unless one is given). */
export function scramSha256Verifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  return formatScramVerifier({ iterations, salt, ...computeKeys(password, salt, iterations) });
}

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** Parses a stored verifier; undefined for anything else (md5 hashes, NULL, garbage). */
export function parseScramVerifier(text: string | null | undefined): ScramVerifier | undefined {
  const match = text ? VERIFIER.exec(text) : null;
  if (!match) return undefined;
  const [, iterations, salt, storedKey, serverKey] = match as unknown as [string, string, string, string, string];
  return {
    iterations: Number(iterations),
    salt: Buffer.from(salt, 'base64'),
    storedKey: Buffer.from(storedKey, 'base64'),
    serverKey: Buffer.from(serverKey, 'base64'),
  };
}

/** True when `stored` (e.g. pg_authid.rolpassword) is a SCRAM verifier of `password`. */
export function scramVerifierMatches(stored: string | null | undefined, password: string): boolean {
  const parsed = parseScramVerifier(stored);
  if (!parsed || parsed.iterations < 1 || parsed.storedKey.length !== 32 || parsed.serverKey.length !== 32)
    return false;
  const keys = computeKeys(password, parsed.salt, parsed.iterations);
  return timingSafeEqual(keys.storedKey, parsed.storedKey) && timingSafeEqual(keys.serverKey, parsed.serverKey);
}
