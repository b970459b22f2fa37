// Adopting a docassemble deployment as a new user would: its bucket (s3rver), its Azure
// container (Azurite) and its mounted backup folder, each holding exactly what docassemble's
// shutdown leaves. rolevisor comes up with that data, leaves docassemble's objects byte for
// byte as they were, and a change made after the adoption survives a new host, from
// rolevisor's own generation (no second adoption).
import { BlobServiceClient } from '@azure/storage-blob';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { S3Store } from '../../../src/store/s3-store.js';
import { tempHome, memoryLogger } from '../../helpers/env.js';
import { RolevisorProcess } from '../../helpers/rolevisor-process.js';
import { boot, committed, newCycle, read, stopOrphans, wipe, write } from '../../helpers/backup-cycle.js';
import { startAzurite, type AzuriteHandle } from '../../helpers/azurite.js';
import { startS3rver, type S3rverHandle } from '../../helpers/s3rver.js';
import { makeDocassembleObjects, sha, type DocassembleObjects } from './docassemble-layout.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let da: DocassembleObjects;
let rv: RolevisorProcess | undefined;

beforeAll(async () => {
  home = await tempHome('rolevisor-adopt-');
  da = await makeDocassembleObjects(join(home.dir, 'docassemble-source'));
}, 240_000);

afterAll(async () => {
  if (rv && rv.child.exitCode === null) {
    await rv.stop('SIGKILL');
    await stopOrphans(rv);
  }
  await home.cleanup();
});

const digests = (objects: Map<string, Buffer>): Record<string, string> =>
  Object.fromEntries([...objects].map(([k, v]) => [k, sha(v)]));

/** Boot on docassemble's layout, check, change, stop; then a new host restores rolevisor's generation. */
async function adoptionRoundTrip(
  name: string,
  extra: Record<string, string>,
  readBack: () => Promise<Map<string, Buffer>>,
): Promise<void> {
  const cycle = await newCycle(join(home.dir, name), extra);
  rv = await boot(cycle);
  const messages = rv.lines.map((l) => l.msg);
  expect(messages).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^the store holds no rolevisor generation but a docassemble deployment/),
      expect.stringMatching(
        /^ {2}would adopt: PostgreSQL database "docassemble" from postgres\/docassemble \(\d+ bytes, written 20\d\d-/,
      ),
      expect.stringMatching(/^ {2}would adopt: Redis from redis.rdb/),
      expect.stringMatching(/^adopted PostgreSQL from docassemble's /),
      expect.stringMatching(/^adopted Redis from docassemble's redis.rdb/),
    ]),
  );
  expect(messages.some((m) => /starts empty/.test(m))).toBe(false);
  expect(await read(cycle)).toEqual({ rows: { da: 50 }, keys: { 'tag:da': '50' } });

  await write(cycle, 'after', 7);
  expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
  expect(committed(rv, 'stop')).toBeDefined();
  expect(digests(await readBack())).toEqual(digests(da.objects));

  await wipe(cycle);
  rv = await boot(cycle);
  expect(rv.lines.some((l) => /docassemble deployment/.test(l.msg))).toBe(false);
  expect(rv.lines.some((l) => l.msg.startsWith('restored PostgreSQL from generation'))).toBe(true);
  expect(await read(cycle)).toEqual({ rows: { after: 7, da: 50 }, keys: { 'tag:after': '7', 'tag:da': '50' } });
  expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
  expect(digests(await readBack())).toEqual(digests(da.objects));
}

describe('adopting a docassemble deployment', () => {
  test('from a mounted docassemble backup folder (ADOPTFROM)', async () => {
    const folder = join(home.dir, 'da-backup');
    for (const [key, bytes] of da.objects) {
      await mkdir(dirname(join(folder, key)), { recursive: true });
      await writeFile(join(folder, key), bytes);
    }
    const readBack = async () =>
      new Map(
        await Promise.all([...da.objects.keys()].map(async (k) => [k, await readFile(join(folder, k))] as const)),
      );
    await adoptionRoundTrip('folder', { ADOPTFROM: folder }, readBack);
  });

  test('a truncated docassemble dump stops the boot (exit 76): nothing served, no generation written, the folder unchanged', async () => {
    const folder = join(home.dir, 'da-backup-truncated');
    const objects = new Map(da.objects);
    const dump = objects.get('postgres/docassemble')!;
    objects.set('postgres/docassemble', dump.subarray(0, Math.floor(dump.length / 2)));
    for (const [key, bytes] of objects) {
      await mkdir(dirname(join(folder, key)), { recursive: true });
      await writeFile(join(folder, key), bytes);
    }
    const cycle = await newCycle(join(home.dir, 'truncated'), { ADOPTFROM: folder });
    const failing = new RolevisorProcess(['run'], cycle.env);
    expect(await failing.exit()).toBe(76);
    expect(failing.lines.some((l) => /^adopting docassemble's database "docassemble"/.test(l.msg))).toBe(true);
    expect(failing.lines.some((l) => /^started (uwsgi|nginx|celery)/.test(l.msg))).toBe(false);
    expect(failing.lines.some((l) => /^backup \S+ committed/.test(l.msg))).toBe(false);
    expect(failing.lines.at(-1)?.msg).toMatch(/RV_RESTORE_FAILED|pg_restore/);
    const after = new Map(
      await Promise.all([...objects.keys()].map(async (k) => [k, await readFile(join(folder, k))] as const)),
    );
    expect(digests(after)).toEqual(digests(objects));
  });

  describe('from an S3 bucket', () => {
    let server: S3rverHandle;
    beforeAll(async () => {
      server = await startS3rver();
    });
    afterAll(async () => {
      await server.stop();
    });

    test('postgres/, redis.rdb and config.yml at the root of the bucket', async () => {
      const store = new S3Store({ settings: server.settings('docassemble-bucket'), log: memoryLogger().log });
      await store.check();
      for (const [key, bytes] of da.objects)
        await store.client.send(new PutObjectCommand({ Bucket: 'docassemble-bucket', Key: key, Body: bytes }));
      const readBack = async () =>
        new Map(
          await Promise.all(
            [...da.objects.keys()].map(async (k) => {
              const chunks: Buffer[] = [];
              for await (const c of await store.get(k)) chunks.push(c as Buffer);
              return [k, Buffer.concat(chunks)] as const;
            }),
          ),
        );
      try {
        await adoptionRoundTrip(
          's3',
          {
            S3BUCKET: 'docassemble-bucket',
            S3ENDPOINTURL: server.endpoint,
            S3ACCESSKEY: 'S3RVER',
            S3SECRETACCESSKEY: 'S3RVER',
          },
          readBack,
        );
      } finally {
        store.close();
      }
    });
  });

  describe('from an Azure Blob Storage container', () => {
    let azurite: AzuriteHandle;
    beforeAll(async () => {
      azurite = await startAzurite();
    });
    afterAll(async () => {
      await azurite.stop();
    });

    test('the same names in AZURECONTAINER; the account key never in the output', async () => {
      const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
        'docassemble',
      );
      await container.createIfNotExists();
      for (const [key, bytes] of da.objects) await container.getBlockBlobClient(key).uploadData(bytes);
      const readBack = async () =>
        new Map(
          await Promise.all(
            [...da.objects.keys()].map(async (k) => [k, await container.getBlobClient(k).downloadToBuffer()] as const),
          ),
        );
      await adoptionRoundTrip('azure', azurite.env('docassemble'), readBack);
      expect(JSON.stringify(rv!.lines)).not.toContain(azurite.accountKey);
    });
  });
});
