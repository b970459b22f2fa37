// As a person would see it, role all on the S3 API (s3rver): a file uploaded through the demo
// app survives a stop and a new host with an empty disk (listed with the same sha256); then
// Redis writes shipped by the continuous snapshots survive a host killed without warning
// (SIGKILL of every process) whose disk is thrown away.
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { join } from 'node:path';
import { freePortSettings, tempHome } from '../../../helpers/env.js';
import { leftovers } from '../../../helpers/processes.js';
import { RolevisorProcess } from '../../../helpers/rolevisor-process.js';
import { isRunning, processTree } from '../../../helpers/process-tree.js';
import { startS3rver, type S3rverHandle } from '../../../helpers/s3rver.js';

interface Listed {
  name: string;
  size: number;
  sha256: string;
}

describe('role all on S3: files and Redis writes on a new host', () => {
  let server: S3rverHandle;
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let base: string;
  let rv: RolevisorProcess | undefined;
  const content = randomBytes(200_000);
  const sha256 = createHash('sha256').update(content).digest('hex');

  beforeAll(async () => {
    home = await tempHome();
    server = await startS3rver();
    const ports = await freePortSettings();
    base = `http://127.0.0.1:${ports.PORT}`;
    env = {
      ROLEVISOR_HOME: home.dir,
      DBPASSWORD: 'continuous-db-secret',
      STOPTIMEOUT: '60',
      REDISSNAPSHOTSECONDS: '2',
      S3BUCKET: 'rolevisor-continuous',
      S3ENDPOINTURL: server.endpoint,
      S3ACCESSKEY: 'S3RVER',
      S3SECRETACCESSKEY: 'S3RVER',
      ...ports,
    };
  }, 60_000);

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) await rv.stop('SIGKILL');
    await server.stop();
    await home.cleanup();
  });

  const files = async (): Promise<Listed[]> => {
    const res = await fetch(`${base}/api/files`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { files: Listed[] }).files;
  };
  const state = async () => (await (await fetch(`${base}/api/state`)).json()) as { visits: number; cache_hits: number };
  const newDisk = () => rm(join(home.dir, 'data'), { recursive: true, force: true });

  test('an uploaded file is listed with the same sha256 after a stop and a new host', async () => {
    rv = new RolevisorProcess(['run'], env);
    await rv.ready();
    const res = await fetch(`${base}/api/files?name=report.pdf`, { method: 'POST', body: content });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: 'report.pdf', size: content.length, sha256 });
    expect(await files()).toEqual([{ name: 'report.pdf', size: content.length, sha256 }]);
    const refused = await fetch(`${base}/api/files?name=..%2F..%2F`, { method: 'POST', body: 'x' });
    expect(refused.status).toBe(400);

    expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
    expect(rv.lines.some((l) => /^files: tail flushed to the store/.test(l.msg))).toBe(true);
    expect(await leftovers(home.dir)).toEqual([]);
    await newDisk();

    rv = new RolevisorProcess(['run'], env);
    await rv.ready();
    expect(rv.lines.some((l) => /^restored 1 file\(s\) .* from index /.test(l.msg))).toBe(true);
    expect(await files()).toEqual([{ name: 'report.pdf', size: content.length, sha256 }]);
  });

  test('Redis writes in a snapshot survive SIGKILL of the whole host and a new disk', async () => {
    // Writes through the app (each visit is a PostgreSQL row and a Redis INCR), then one snapshot after them.
    for (let i = 0; i < 5; i += 1) await fetch(`${base}/api/visit`, { method: 'POST' });
    const written = await state();
    const shipped = rv!.lines.length;
    await rv!.waitFor(
      (l) => rv!.lines.indexOf(l) >= shipped && /^Redis snapshot .* in the store/.test(l.msg),
      30_000,
      'a snapshot after the writes',
    );
    // The host comes back to one point in time, PostgreSQL's: the snapshot is kept only once the
    // visits' WAL is in the store after it (within ARCHIVESECONDS, also on this restored host).
    // That snapshot may have been taken during the writes: the rest are in the store within
    // REDISSNAPSHOTSECONDS (2 s here) plus one upload, the engine's documented bound.
    await new Promise((r) => setTimeout(r, 5000));
    // Then one more PostgreSQL commit (as the stop's seal makes): the host's point in time, once
    // its segment is in the store, is after every snapshot so far.
    const snapshotAt = Date.now() / 1000;
    const db = new pg.Client({
      host: '127.0.0.1',
      port: Number(env.DBPORT),
      user: 'docassemble',
      password: env.DBPASSWORD,
      database: 'docassemble',
    });
    await db.connect();
    await db.query('SELECT txid_current()');
    await db.end();
    const archivedAfter = async () => {
      const text = await (await fetch(`http://127.0.0.1:${env.STATUSPORT}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('rolevisor_archive_last_timestamp_seconds{engine="postgres-wal"} '));
      return line !== undefined && Number(line.split(' ').at(-1)) > snapshotAt;
    };
    for (let i = 0; i < 150 && !(await archivedAfter()); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(await archivedAfter()).toBe(true);
    const tree = processTree(rv!.pid);
    for (const pid of tree) process.kill(pid, 'SIGKILL');
    await rv!.child;
    for (let i = 0; i < 50 && tree.some(isRunning); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(tree.filter(isRunning)).toEqual([]);
    await newDisk();

    rv = new RolevisorProcess(['run'], env);
    await rv.ready();
    expect(rv.lines.some((l) => /^restored Redis from snapshot /.test(l.msg))).toBe(true);
    expect(await state()).toEqual(written);
    expect(await files()).toEqual([{ name: 'report.pdf', size: content.length, sha256 }]);
    expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
  });
});
