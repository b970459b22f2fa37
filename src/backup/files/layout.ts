// Where the application's files (FILESDIR) live in the store. Content is addressed by its
// sha256, so a file is uploaded once whatever its name and however often it is synced; each
// sync that found a change writes one index: the whole tree (path, size, sha256, mode), so any
// index restores on its own and a deletion is a path the newer index no longer lists.
//   appfiles/objects/<sha256[0:2]>/<sha256>   the file's bytes, as they are (uploads are
//                                             mostly compressed formats already: PDF, DOCX, images)
//   appfiles/index/<id>.json.gz               { format, id, time, host, files: [...] }, gzip
// Not "files/": docassemble with S3 keeps its own uploads under files/ in the same bucket.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { generationTime, isGenerationId, newGenerationId } from '../../generations/id.js';
import type { ListedObject, Store } from '../../store/store.js';

export const FILES_PREFIX = 'appfiles/';
export const FILE_OBJECTS_PREFIX = `${FILES_PREFIX}objects/`;
export const FILE_INDEX_PREFIX = `${FILES_PREFIX}index/`;
export const FILES_INDEX_FORMAT = 1;
const INDEX_SUFFIX = '.json.gz';
/** An index is small (a line per file); refuse to inflate a huge one. */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;

const SHA256 = /^[0-9a-f]{64}$/;
export const fileObjectKey = (sha256: string): string => `${FILE_OBJECTS_PREFIX}${sha256.slice(0, 2)}/${sha256}`;
export const fileIndexKey = (id: string): string => `${FILE_INDEX_PREFIX}${id}${INDEX_SUFFIX}`;
export const newIndexId = (time: Date): string => newGenerationId(time);

/** The sha256 an object key names, or undefined when the key is not a file object. */
export function objectSha(key: string): string | undefined {
  const rest = key.slice(FILE_OBJECTS_PREFIX.length).split('/');
  return key.startsWith(FILE_OBJECTS_PREFIX) &&
    rest.length === 2 &&
    SHA256.test(rest[1]) &&
    rest[0] === rest[1].slice(0, 2)
    ? rest[1]
    : undefined;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why a path from an index may not be written under FILESDIR, or undefined when it is a
 * plain relative path: no absolute path, no ".." or "." or empty segment, no control
 * characters (a tampered index must not send a restore outside the directory).
 */
export function filePathProblem(path: string): string | undefined {
  if (path === '') return 'it is empty';
  if (path.startsWith('/')) return 'it is absolute';
  if (CONTROL.test(path)) return 'it contains a control character';
  if (Buffer.byteLength(path) > 4096) return 'it is longer than 4096 bytes';
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return `it has a "${segment}" segment`;
    if (Buffer.byteLength(segment) > 255) return 'a segment is longer than 255 bytes';
  }
  return undefined;
}

const entrySchema = z.object({
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(SHA256),
  /** Permission bits only (never setuid/setgid/sticky). */
  mode: z.number().int().min(0).max(0o777),
  mtimeMs: z.number(),
});

const indexSchema = z.object({
  format: z.literal(FILES_INDEX_FORMAT),
  id: z.string(),
  time: z.string(),
  host: z.string(),
  files: z.array(entrySchema),
});

export type FileEntry = z.infer<typeof entrySchema>;
export type FilesIndex = z.infer<typeof indexSchema>;

export interface ListedIndex {
  id: string;
  time: Date;
  size: number;
}

/** Every index in the store, newest first. */
export async function listIndexes(store: Store): Promise<ListedIndex[]> {
  const found: ListedIndex[] = [];
  for (const object of await store.list(FILE_INDEX_PREFIX)) {
    const name = object.key.slice(FILE_INDEX_PREFIX.length);
    if (!name.endsWith(INDEX_SUFFIX)) continue;
    const id = name.slice(0, -INDEX_SUFFIX.length);
    if (isGenerationId(id)) found.push({ id, time: generationTime(id)!, size: object.size });
  }
  return found.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Every content object in the store, by sha256. */
export async function listFileObjects(store: Store): Promise<Map<string, ListedObject>> {
  const objects = new Map<string, ListedObject>();
  for (const object of await store.list(FILE_OBJECTS_PREFIX)) {
    const sha = objectSha(object.key);
    if (sha) objects.set(sha, object);
  }
  return objects;
}

export async function writeIndex(store: Store, index: FilesIndex): Promise<number> {
  const body = gzipSync(Buffer.from(JSON.stringify(index)));
  await store.put(fileIndexKey(index.id), Readable.from([body]), { size: body.length });
  return body.length;
}

async function readAll(stream: Readable, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > MAX_INDEX_BYTES) {
      stream.destroy();
      throw new Error(`${key} is larger than ${MAX_INDEX_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads and checks an index (gzip's CRC, the shape, every path); throws with the reason. */
export async function readIndex(store: Store, id: string): Promise<FilesIndex> {
  const key = fileIndexKey(id);
  let raw: unknown;
  try {
    raw = JSON.parse(gunzipSync(await readAll(await store.get(key), key)).toString('utf8'));
  } catch (error) {
    throw new Error(`index ${key} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = indexSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`index ${key} is not valid (${issue?.path.join('.') || '(root)'}: ${issue?.message})`);
  }
  const index = result.data;
  if (index.id !== id) throw new Error(`index ${key} names index ${index.id}`);
  const seen = new Set<string>();
  for (const entry of index.files) {
    const problem = filePathProblem(entry.path);
    if (problem) throw new Error(`index ${key} lists the path ${JSON.stringify(entry.path)}: ${problem}`);
    if (seen.has(entry.path)) throw new Error(`index ${key} lists ${JSON.stringify(entry.path)} twice`);
    seen.add(entry.path);
  }
  return index;
}
