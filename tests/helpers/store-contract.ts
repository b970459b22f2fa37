// One behaviour, two stores: every store implementation runs this same suite.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { RolevisorError } from '../../src/errors.js';
import { StoreNotFoundError, type Store } from '../../src/store/store.js';

export interface StoreFixture {
  store: Store;
  cleanup: () => Promise<void>;
}

const MIB = 1024 * 1024;

/** Random bytes produced chunk by chunk (never one big buffer), hashed as they are produced. */
export function randomSource(totalBytes: number, chunkBytes = MIB): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let sent = 0; sent < totalBytes;) {
      const chunk = randomBytes(Math.min(chunkBytes, totalBytes - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
  }
  let digest: string | undefined;
  return { stream: Readable.from(chunks()), sha256: () => (digest ??= hash.digest('hex')) };
}

/** Produces `bytesBeforeError` random bytes and then fails, like a dump that crashes. */
export function failingSource(bytesBeforeError: number): Readable {
  async function* chunks() {
    for (let sent = 0; sent < bytesBeforeError; sent += MIB) yield randomBytes(Math.min(MIB, bytesBeforeError - sent));
    throw new Error('the producer crashed');
  }
  return Readable.from(chunks());
}

export async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

const BAD_KEYS = ['../escape', 'a/../../escape', '/abs/path', 'a\\b', 'a\0b', '', 'a//b', 'a/', './a', 'x/.rv-tmp-1'];

export function describeStoreContract(name: string, setup: () => Promise<StoreFixture>): void {
  describe(`${name} store contract`, () => {
    let fixture: StoreFixture;
    let store: Store;
    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    test('put/get stream 30 MiB of random bytes back byte-identical', async () => {
      const size = 30 * MIB + 123;
      const source = randomSource(size);
      const { bytes } = await store.put('big/object.bin', source.stream);
      expect(bytes).toBe(size);
      const read = await sha256Of(await store.get('big/object.bin'));
      expect(read).toEqual({ sha256: source.sha256(), size });
      expect((await store.head('big/object.bin'))?.size).toBe(size);
    });

    test('head, list, delete and deletePrefix', async () => {
      const before = Date.now();
      for (const key of ['a/1', 'a/2/x', 'ab/c', 'b', 'a/2/y']) await store.putText(key, `content of ${key}`);
      const info = await store.head('a/1');
      expect(info?.size).toBe('content of a/1'.length);
      // (toBeInstanceOf(Date) fails across Jest's VM realms.)
      expect(Object.prototype.toString.call(info?.modified)).toBe('[object Date]');
      // S3 keeps whole seconds.
      expect(info!.modified.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(await store.head('a/missing')).toBeUndefined();
      expect(await store.head('a/2')).toBeUndefined(); // a "directory" is not an object

      expect((await store.list('a/')).map((o) => o.key)).toEqual(['a/1', 'a/2/x', 'a/2/y']);
      expect((await store.list('a')).map((o) => o.key)).toEqual(['a/1', 'a/2/x', 'a/2/y', 'ab/c']);
      expect((await store.list('')).map((o) => o.key)).toEqual(['a/1', 'a/2/x', 'a/2/y', 'ab/c', 'b']);
      expect((await store.list('a/2/')).map((o) => [o.key, o.size])).toEqual([
        ['a/2/x', 16],
        ['a/2/y', 16],
      ]);
      expect(await store.list('nothing/')).toEqual([]);

      await store.delete('b');
      await store.delete('b'); // missing is fine
      expect(await store.head('b')).toBeUndefined();
      expect(await store.deletePrefix('a/')).toBe(3);
      expect((await store.list('')).map((o) => o.key)).toEqual(['ab/c']);
    });

    test('putText/getText, overwrite, and a missing object', async () => {
      await store.putText('config.yml', 'first: 1\n');
      await store.putText('config.yml', 'second: 2 — ünïcode\n');
      expect(await store.getText('config.yml')).toBe('second: 2 — ünïcode\n');
      expect(await store.getText('nothing-here')).toBeUndefined();
      await expect(store.get('nothing-here')).rejects.toBeInstanceOf(StoreNotFoundError);
    });

    test('keys that could escape the store are refused with a clear error', async () => {
      for (const key of BAD_KEYS) {
        await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toThrow(/store key .* is refused: /);
        await expect(store.get(key)).rejects.toBeInstanceOf(RolevisorError);
        await expect(store.head(key)).rejects.toThrow(/is refused/);
        await expect(store.delete(key)).rejects.toThrow(/is refused/);
      }
      await expect(store.list('../')).rejects.toThrow(/store prefix "..\/" is refused: it has a ".." segment/);
      await expect(store.deletePrefix('/')).rejects.toThrow(/is refused: it is absolute/);
      expect(await store.list('')).toEqual([]);
    });

    test('a put whose source fails mid-way stores nothing and keeps the previous object', async () => {
      await store.putText('state/dump', 'the good old copy');
      // 20 MiB: more than one upload part, so a multipart upload is under way when it fails.
      await expect(store.put('state/dump', failingSource(20 * MIB))).rejects.toThrow(/the producer crashed/);
      expect(await store.getText('state/dump')).toBe('the good old copy');
      await expect(store.put('state/new', failingSource(3 * MIB))).rejects.toThrow(/the producer crashed/);
      expect(await store.head('state/new')).toBeUndefined();
      expect((await store.list('')).map((o) => o.key)).toEqual(['state/dump']);
    });

    test('a body that differs from its stated size is not stored', async () => {
      await expect(store.put('sized', Readable.from([Buffer.from('12345')]), { size: 10 })).rejects.toThrow(
        /ended after 5 bytes; its stated size is 10/,
      );
      await expect(store.put('sized', Readable.from([Buffer.from('12345')]), { size: 3 })).rejects.toThrow(
        /longer than its stated size 3/,
      );
      expect(await store.head('sized')).toBeUndefined();
      expect(await store.put('sized', Readable.from([Buffer.from('12345')]), { size: 5 })).toEqual({ bytes: 5 });
    });

    test('an empty object round-trips', async () => {
      expect(await store.put('empty', Readable.from([]))).toEqual({ bytes: 0 });
      expect(await store.getText('empty')).toBe('');
      expect((await store.head('empty'))?.size).toBe(0);
    });

    test('check() succeeds and describe() is one line', async () => {
      await store.check();
      expect(store.describe()).not.toMatch(/\n/);
    });
  });
}
