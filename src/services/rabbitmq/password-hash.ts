// RabbitMQ's stored password format for rabbit_password_hashing_sha256:
// base64(salt ++ sha256(salt ++ utf8(password))) with a 4-byte salt. The definitions file
// carries this hash, so the plain password is written nowhere.
import { createHash, randomBytes } from 'node:crypto';

export const RABBITMQ_HASHING = 'rabbit_password_hashing_sha256';

export function rabbitmqPasswordHash(password: string, salt: Buffer = randomBytes(4)): string {
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}
