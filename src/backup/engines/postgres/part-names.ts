// Names of PostgreSQL's parts of a generation. A database name may hold any character and be 63
// bytes long; a part name is one short, safe segment. Plain names stay readable
// ("postgres.docassemble.dump.zst"); others become a hash ("postgres.h.<16 hex>.dump.zst",
// with a dot inside, so no plain name can collide with it). A restore never needs the
// name back: each dump carries its own CREATE DATABASE.
import { createHash } from 'node:crypto';

export const POSTGRES_KIND = 'postgres';

const PLAIN_DATABASE = /^[A-Za-z0-9_-]{1,63}$/;

export function postgresPartName(database: string): string {
  if (PLAIN_DATABASE.test(database)) return `postgres.${database}.dump.zst`;
  const hash = createHash('sha256').update(database, 'utf8').digest('hex').slice(0, 16);
  return `postgres.h.${hash}.dump.zst`;
}
