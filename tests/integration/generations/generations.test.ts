// Backup generations on both stores: parts streamed in parallel and hashed, the manifest
// written last, damage detected on read, leftovers invisible, retention that never drops
// the newest verified generations.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { FsStore } from '../../../src/store/fs-store.js';
import { S3Store } from '../../../src/store/s3-store.js';
import { pruneGenerations } from '../../../src/generations/prune.js';
import { readPart, verifyGeneration } from '../../../src/generations/read.js';
import { listGenerations, scanGenerations } from '../../../src/generations/scan.js';
import { beginGeneration } from '../../../src/generations/writer.js';
import { manifestKey, serializeManifest, type Manifest } from '../../../src/generations/manifest.js';
import type { Store } from '../../../src/store/store.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';
import { startS3rver, type S3rverHandle } from '../../helpers/s3rver.js';
import { randomSource, sha256Of } from '../../helpers/store-contract.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const meta = (now: Date) => ({
  host: 'backend-1',
  roles: ['sql', 'redis'],
  versions: { postgres: '15.8' },
  now: () => now,
});
const text = (s: string) => Readable.from([Buffer.from(s)]);
const drain = (stream: Readable) => pipeline(stream, new Writable({ write: (_c, _e, cb) => cb() }));

/** Reads an object, changes it, and writes it back: damage done to a stored part. */
async function rewrite(store: Store, key: string, change: (b: Buffer) => Buffer): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  await store.put(key, Readable.from([change(Buffer.concat(chunks))]));
}

async function commitAt(
  store: Store,
  time: Date,
  parts: Record<string, string> = { 'redis.rdb': 'r' },
): Promise<Manifest> {
  const writer = beginGeneration(store, meta(time));
  for (const [name, content] of Object.entries(parts)) void writer.part(name, text(content));
  return writer.commit();
}

function describeGenerations(name: string, setup: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`generations on the ${name} store`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ store, cleanup } = await setup()));
    afterEach(async () => cleanup());

    test('parts stream in parallel; commit writes the manifest; list is newest first', async () => {
      const t0 = new Date('2026-11-20T10:00:00.000Z');
      const first = await commitAt(store, t0);
      const writer = beginGeneration(store, meta(new Date(t0.getTime() + 60_000)));
      expect(writer.id).toMatch(/^20261120T100100\.000Z-[0-9a-f]{4}$/);
      const big = randomSource(12 * 1024 * 1024);
      const [dump, rdb] = await Promise.all([
        writer.part('postgres.docassemble.dump', big.stream, { kind: 'postgres', compression: 'zstd' }),
        writer.part('redis.rdb', text('REDIS0011...'), { kind: 'redis' }),
      ]);
      expect(dump).toMatchObject({
        key: `generations/${writer.id}/postgres.docassemble.dump`,
        size: 12 * 1024 * 1024,
        sha256: big.sha256(),
        compression: 'zstd',
        kind: 'postgres',
      });
      expect(rdb.size).toBe(12);
      const manifest = await writer.commit();
      expect(manifest).toMatchObject({
        format: 1,
        id: writer.id,
        time: '2026-11-20T10:01:00.000Z',
        host: 'backend-1',
        roles: ['sql', 'redis'],
        versions: { postgres: '15.8' },
      });
      expect(manifest.parts.map((p) => p.name)).toEqual(['postgres.docassemble.dump', 'redis.rdb']);

      const listed = await listGenerations(store);
      expect(listed.map((g) => g.id)).toEqual([manifest.id, first.id]);
      expect(listed[0].totalBytes).toBe(12 * 1024 * 1024 + 12);
      expect(listed[0].manifest).toEqual(manifest);

      const back = await sha256Of(await readPart(store, manifest, manifest.parts[0]));
      expect(back).toEqual({ sha256: big.sha256(), size: 12 * 1024 * 1024 });
      expect(await verifyGeneration(store, manifest)).toEqual({ id: manifest.id, ok: true, problems: [] });
    });

    test('one changed byte: readPart fails at the end naming generation and part', async () => {
      const manifest = await commitAt(store, new Date(), { 'redis.rdb': 'REDIS0011 the data', 'config.yml': 'a: 1\n' });
      await rewrite(store, manifest.parts[0].key, (b) => {
        b[3] ^= 0x01;
        return b;
      });
      const error = await drain(await readPart(store, manifest, manifest.parts[0])).then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
      expect(error?.code).toBe('RV_RESTORE_FAILED');
      expect(error?.message).toMatch(
        new RegExp(
          `^generation ${manifest.id}, part "redis.rdb": sha256 mismatch: read [0-9a-f]{64}, the manifest says ${manifest.parts[0].sha256}; the part is damaged$`,
        ),
      );
      const verified = await verifyGeneration(store, manifest);
      expect(verified.ok).toBe(false);
      expect(verified.problems).toHaveLength(1);
    });

    test('a truncated, an extended and a missing part are reported', async () => {
      const manifest = await commitAt(store, new Date(), { a: 'aaaaaaaa', b: 'bbbbbbbb', c: 'cccccccc' });
      await rewrite(store, manifest.parts[0].key, (b) => b.subarray(0, 4));
      await rewrite(store, manifest.parts[1].key, (b) => Buffer.concat([b, Buffer.from('!')]));
      await store.delete(manifest.parts[2].key);
      await expect(drain(await readPart(store, manifest, manifest.parts[0]))).rejects.toThrow(
        /part "a": size mismatch: read 4 bytes, the manifest says 8/,
      );
      await expect(drain(await readPart(store, manifest, manifest.parts[1]))).rejects.toThrow(
        /part "b": size mismatch: read 9 bytes/,
      );
      await expect(readPart(store, manifest, manifest.parts[2])).rejects.toThrow(
        /part "c": the object .*\/c is missing from the store/,
      );
      expect((await verifyGeneration(store, manifest)).problems).toHaveLength(3);
    });

    test('a generation without a manifest does not exist', async () => {
      const writer = beginGeneration(store, meta(new Date()));
      await writer.part('redis.rdb', text('data'));
      expect(await listGenerations(store)).toEqual([]);
      const scan = await scanGenerations(store);
      expect(scan.incomplete.map((g) => g.id)).toEqual([writer.id]);
    });

    test('abort stops streaming parts and deletes what was written', async () => {
      const writer = beginGeneration(store, meta(new Date()));
      await writer.part('done.bin', text('finished part'));
      const endless = new Readable({
        read() {
          setTimeout(() => this.push(Buffer.alloc(64 * 1024)), 5);
        },
      });
      const streaming = writer.part('endless.bin', endless);
      await new Promise((r) => setTimeout(r, 100));
      await writer.abort();
      await expect(streaming).rejects.toMatchObject({ code: 'RV_BACKUP_FAILED' });
      expect(endless.destroyed).toBe(true);
      expect(await store.list('')).toEqual([]);
      await expect(writer.part('late', text('x'))).rejects.toThrow(/generation is aborted/);
    });

    test('a failed part prevents the commit; bad part names are refused', async () => {
      const writer = beginGeneration(store, meta(new Date()));
      void writer.part('ok', text('fine'));
      const failing = Readable.from(
        (async function* () {
          yield Buffer.from('half');
          throw new Error('pg_dump exited with code 1');
        })(),
      );
      await expect(writer.part('postgres.dump', failing)).rejects.toThrow(
        /part "postgres.dump" failed: pg_dump exited with code 1/,
      );
      await expect(writer.commit()).rejects.toMatchObject({
        code: 'RV_BACKUP_FAILED',
        message: expect.stringMatching(/not committed: part "postgres.dump" failed/),
      });
      expect(await store.head(manifestKey(writer.id))).toBeUndefined();
      await expect(writer.part('manifest.json', text('x'))).rejects.toThrow(/is the generation's own manifest/);
      await expect(writer.part('../x', text('x'))).rejects.toThrow(/part name "..\/x" is refused/);
      await expect(writer.part('ok', text('x'))).rejects.toThrow(/part "ok" was already added/);
      await writer.abort();
      expect(await store.list('')).toEqual([]);
    });

    test('a manifest pointing outside its generation is not trusted', async () => {
      const manifest = await commitAt(store, new Date());
      const tampered = { ...manifest, parts: [{ ...manifest.parts[0], key: 'config.yml' }] };
      await store.putText(manifestKey(manifest.id), serializeManifest(tampered));
      const scan = await scanGenerations(store);
      expect(scan.complete).toEqual([]);
      expect(scan.broken[0]?.reason).toMatch(/part "redis.rdb" points outside its generation \(config.yml\)/);
    });

    test('prune keeps the newest `keep` generations even when all are old', async () => {
      const now = new Date(Date.now() + 2 * HOUR); // makes leftovers written just now "old"
      const ids: string[] = [];
      for (const age of [40, 35, 30, 25, 20]) ids.push((await commitAt(store, new Date(now.getTime() - age * DAY))).id);
      const leftover = beginGeneration(store, meta(new Date(now.getTime() - 3 * HOUR)));
      await leftover.part('half.dump', text('interrupted'));
      const result = await pruneGenerations(store, { keep: 2, maxAgeDays: 14, now });
      expect(result.kept).toEqual([ids[4], ids[3]]);
      expect(result.deleted.map((d) => d.id).sort()).toEqual([ids[0], ids[1], ids[2], leftover.id].sort());
      expect((await listGenerations(store)).map((g) => g.id)).toEqual([ids[4], ids[3]]);
      expect(await store.list(`generations/${leftover.id}/`)).toEqual([]);
      // Nothing more to do the second time; keep holds even with maxAgeDays 0.
      expect((await pruneGenerations(store, { keep: 2, maxAgeDays: 0, now })).deleted).toEqual([]);
    });

    test('prune does not count damaged generations among those it keeps', async () => {
      const now = new Date();
      const oldest = await commitAt(store, new Date(now.getTime() - 30 * DAY));
      const older = await commitAt(store, new Date(now.getTime() - 20 * DAY));
      const truncated = await commitAt(store, new Date(now.getTime() - 10 * DAY), { 'redis.rdb': 'abcdef' });
      const flipped = await commitAt(store, new Date(now.getTime() - 5 * DAY), { 'redis.rdb': 'abcdef' });
      await rewrite(store, truncated.parts[0].key, (b) => b.subarray(1));
      await rewrite(store, flipped.parts[0].key, (b) => {
        b[0] ^= 0xff;
        return b;
      });
      // 'sizes' sees the truncation but not the flipped byte; 'full' sees both.
      expect((await pruneGenerations(store, { keep: 2, maxAgeDays: 100, now })).kept).toEqual([flipped.id, older.id]);
      const full = await pruneGenerations(store, { keep: 2, maxAgeDays: 15, now, verify: 'full' });
      expect(full.kept).toEqual([older.id, oldest.id]);
      expect(full.deleted).toEqual([]); // the damaged ones are young; the old ones are kept
      // A fresh manifest-less generation (a backup in progress) is left alone.
      const running = beginGeneration(store, meta(new Date()));
      await running.part('x', text('x'));
      // keep 1 by sizes: the flipped one counts, so both older ones are past 15 days and go.
      expect((await pruneGenerations(store, { keep: 1, maxAgeDays: 15, now })).deleted.map((d) => d.id)).toEqual([
        older.id,
        oldest.id,
      ]);
      expect((await scanGenerations(store)).incomplete.map((g) => g.id)).toEqual([running.id]);
    });
  });
}

describeGenerations('fs', async () => {
  const home = await tempHome('rolevisor-generations-');
  return { store: new FsStore({ root: join(home.dir, 'backup'), log: memoryLogger().log }), cleanup: home.cleanup };
});

let server: S3rverHandle;
let buckets = 0;
const opened: S3Store[] = [];
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(async () => {
  for (const s of opened) s.close();
  await server.stop();
});

describeGenerations('s3', async () => {
  buckets += 1;
  const store = new S3Store({ settings: server.settings(`generations-${buckets}`), log: memoryLogger().log });
  opened.push(store);
  await store.check();
  return {
    store,
    cleanup: async () => {
      await store.deletePrefix('');
    },
  };
});
