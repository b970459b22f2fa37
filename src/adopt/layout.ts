// What a docassemble deployment leaves in its store (or its backup folder) at its stop, read
// from its Docker/initialize.sh and run-postgresql.sh: `postgres/<database>` (one `pg_dump
// -F c` file per database), `redis.rdb` (Redis's dump.rdb), `config.yml`, and, without cloud
// storage, `files/` (the uploads). Only listing here: nothing is read, nothing is written.
import type { ListedObject, Store } from '../store/store.js';

export const DA_POSTGRES_PREFIX = 'postgres/';
export const DA_REDIS_KEY = 'redis.rdb';
export const DA_CONFIG_KEY = 'config.yml';
export const DA_FILES_PREFIX = 'files/';

export interface DocassembleLayout {
  /** Where it was found, for logs (the store's describe(), or the folder). */
  where: string;
  /** One per database, named like it (`postgres/docassemble` → database "docassemble"). */
  dumps: { database: string; object: ListedObject }[];
  redis: ListedObject | undefined;
  config: ListedObject | undefined;
  files: ListedObject[];
}

/** docassemble's dump files are flat and never hidden (`find . -maxdepth 1 -type f ! -iname ".*"`). */
const isDumpKey = (key: string): boolean => {
  const name = key.slice(DA_POSTGRES_PREFIX.length);
  return name.length > 0 && !name.includes('/') && !name.startsWith('.');
};

/** The layout, or undefined when the source holds neither a dump nor a Redis snapshot. */
export async function findDocassembleLayout(source: Store): Promise<DocassembleLayout | undefined> {
  const dumps = (await source.list(DA_POSTGRES_PREFIX))
    .filter((o) => isDumpKey(o.key))
    .map((object) => ({ database: object.key.slice(DA_POSTGRES_PREFIX.length), object }));
  const redis = await source.head(DA_REDIS_KEY);
  if (dumps.length === 0 && !redis) return undefined;
  const config = await source.head(DA_CONFIG_KEY);
  const files = await source.list(DA_FILES_PREFIX);
  return {
    where: source.describe(),
    dumps,
    redis: redis && { key: DA_REDIS_KEY, ...redis },
    config: config && { key: DA_CONFIG_KEY, ...config },
    files,
  };
}

const day = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** One line per thing that would be (or was) adopted, with keys, sizes and dates. */
export function describeLayout(layout: DocassembleLayout): string[] {
  const lines = layout.dumps.map(
    ({ database, object }) =>
      `PostgreSQL database "${database}" from ${object.key} (${object.size} bytes, written ${day(object.modified)})`,
  );
  if (layout.redis)
    lines.push(`Redis from ${layout.redis.key} (${layout.redis.size} bytes, written ${day(layout.redis.modified)})`);
  if (layout.config)
    lines.push(`config.yml from ${layout.config.key} (written ${day(layout.config.modified)}), used as the cluster's`);
  if (layout.files.length > 0) {
    const bytes = layout.files.reduce((sum, f) => sum + f.size, 0);
    const newest = layout.files.reduce((a, b) => (a.modified > b.modified ? a : b));
    lines.push(
      `${layout.files.length} uploaded file(s) under ${DA_FILES_PREFIX} (${bytes} bytes, newest written ${day(newest.modified)})`,
    );
  }
  return lines;
}
