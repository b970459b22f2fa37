// The one interface through which rolevisor reads and writes its state: a local directory
// or an S3 bucket. Bodies stream in and out; nothing buffers a whole object (except the
// small-text helpers) and nothing goes through temporary files outside the store.
import { Readable } from 'node:stream';

export interface ObjectInfo {
  size: number;
  modified: Date;
}

export interface ListedObject extends ObjectInfo {
  key: string;
}

export interface PutOptions {
  /** The exact size, when known: the put fails (and stores nothing) if the body differs. */
  size?: number;
  /** A hint for sizing upload parts when the exact size is unknown (e.g. a dump). */
  expectedSize?: number;
}

export interface Store {
  /** Stores the body under key, replacing any previous object only once the body is complete. */
  put(key: string, body: Readable, options?: PutOptions): Promise<{ bytes: number }>;
  /** Streams the object; throws StoreNotFoundError if there is none. */
  get(key: string): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with prefix, sorted by key. */
  list(prefix: string): Promise<ListedObject[]>;
  /** Deletes the object; a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  putText(key: string, text: string): Promise<void>;
  /** The object as UTF-8 text, or undefined when there is none. */
  getText(key: string): Promise<string | undefined>;
  /** One line for humans and logs; never a secret. */
  describe(): string;
  /** Proves the store can be read (and sets it up: directory, bucket); throws RV_STORE_UNREACHABLE. */
  check(): Promise<void>;
}

/** The object asked for does not exist. */
export class StoreNotFoundError extends Error {
  /** Not a user-facing error: callers turn a missing object into their own outcome. */
  readonly code = 'ENOTFOUND_IN_STORE';
  constructor(
    readonly key: string,
    where: string,
  ) {
    super(`no object "${key}" in ${where}`);
    this.name = 'StoreNotFoundError';
  }
}

export function isNotFound(error: unknown): error is StoreNotFoundError {
  return error instanceof StoreNotFoundError;
}

/** Text objects (config.yml, manifests, discovery keys) are small; refuse to slurp a huge one. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export async function readAllText(stream: Readable, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > MAX_TEXT_BYTES) {
      stream.destroy();
      throw new Error(`object "${key}" is larger than ${MAX_TEXT_BYTES} bytes; it is not a text object`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The convenience methods every store shares, written once over the primitives. */
export abstract class BaseStore implements Store {
  abstract put(key: string, body: Readable, options?: PutOptions): Promise<{ bytes: number }>;
  abstract get(key: string): Promise<Readable>;
  abstract head(key: string): Promise<ObjectInfo | undefined>;
  abstract list(prefix: string): Promise<ListedObject[]>;
  abstract delete(key: string): Promise<void>;
  abstract deletePrefix(prefix: string): Promise<number>;
  abstract describe(): string;
  abstract check(): Promise<void>;

  async putText(key: string, text: string): Promise<void> {
    const body = Buffer.from(text, 'utf8');
    await this.put(key, Readable.from([body]), { size: body.length });
  }

  async getText(key: string): Promise<string | undefined> {
    let stream: Readable;
    try {
      stream = await this.get(key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return readAllText(stream, key);
  }
}
