// The same cycle against the S3 API (s3rver, through the real SDK): backup at SIGTERM, a
// fresh container restored from the bucket. And failing closed: a store that cannot be
// reached stops the boot (exit 75) before any service starts; ALLOWFRESHSTART starts empty
// but never writes a generation.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Store } from '../../../src/store/s3-store.js';
import { scanGenerations } from '../../../src/generations/scan.js';
import { freePort, memoryLogger, tempHome } from '../../helpers/env.js';
import { RolevisorProcess } from '../../helpers/rolevisor-process.js';
import { startS3rver, type S3rverHandle } from '../../helpers/s3rver.js';
import { boot, committed, newCycle, read, stopOrphans, wipe, write, type Cycle } from '../../helpers/backup-cycle.js';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('backup and restore through rolevisor run — S3 store', () => {
  let server: S3rverHandle;
  let home: Awaited<ReturnType<typeof tempHome>>;
  let cycle: Cycle;
  let rv: RolevisorProcess | undefined;
  let store: S3Store;

  beforeAll(async () => {
    server = await startS3rver();
    home = await tempHome();
    cycle = await newCycle(home.dir, {
      S3BUCKET: 'rolevisor-cycle',
      S3ENDPOINTURL: server.endpoint,
      S3ACCESSKEY: 'S3RVER',
      S3SECRETACCESSKEY: 'S3RVER',
      STORECHECKTIMEOUT: '2',
    });
    store = new S3Store({ settings: server.settings('rolevisor-cycle'), log: memoryLogger().log });
  });

  afterAll(async () => {
    if (rv && rv.child.exitCode === null) {
      await rv.stop('SIGKILL');
      await stopOrphans(rv);
    }
    store.close();
    await server.stop();
    await home.cleanup();
  });

  test('store unreachable at boot: exit 75, no service started, nothing written', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = new RolevisorProcess(['run'], { ...cycle.env, S3ENDPOINTURL: closed });
    expect(await unreachable.exit()).toBe(75);
    const messages = unreachable.lines.map((l) => l.msg);
    expect(messages.some((m) => /^started /.test(m))).toBe(false);
    expect(unreachable.lines.at(-1)?.msg).toMatch(
      /RV_STORE_UNREACHABLE: cannot read the S3 bucket "rolevisor-cycle" .*after \d attempts/,
    );
    expect(await exists(join(home.dir, 'data', 'postgres'))).toBe(false);
  });

  test('SIGTERM while the boot retries an unreachable store: a clean exit 0, not the end of the retries', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const waiting = new RolevisorProcess(['run'], { ...cycle.env, S3ENDPOINTURL: closed, STORECHECKTIMEOUT: '120' });
    await waiting.waitForMessage(/^store not reachable yet/, 30_000);
    const { exitCode, ms } = await waiting.stop('SIGTERM');
    expect(exitCode).toBe(0);
    // Bounded far below the 120 s of retries it would otherwise sit through.
    expect(ms).toBeLessThan(30_000);
    expect(waiting.lines.some((l) => /^started /.test(l.msg))).toBe(false);
    expect(waiting.lines.at(-1)?.msg).toBe('rolevisor stopped cleanly');
  });

  test('ALLOWFRESHSTART without the store: starts empty, and the stop writes no generation', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    rv = await boot(cycle, { S3ENDPOINTURL: closed, ALLOWFRESHSTART: 'true' });
    const result = await rv.stop('SIGTERM');
    expect(result.exitCode).toBe(0);
    expect(rv.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ALLOWFRESHSTART=true: starting WITHOUT the store/),
        expect.stringMatching(/^no backup at stop: the store could not be read at boot/),
      ]),
    );
    expect(committed(rv, 'stop')).toBeUndefined();
    await wipe(cycle);
  });

  test('SIGTERM backs up to the bucket; a fresh container restores the same data', async () => {
    rv = await boot(cycle);
    expect(await store.getText('config.yml')).toContain('docassemble');
    await write(cycle, 'a', 200);
    const result = await rv.stop('SIGTERM');
    expect(result.exitCode).toBe(0);
    const generation = committed(rv, 'stop')!.generation as string;
    expect((await scanGenerations(store)).complete.map((g) => g.id)).toEqual([generation]);

    await wipe(cycle);
    rv = await boot(cycle);
    expect(rv.lines.some((l) => l.msg.startsWith(`restored PostgreSQL from generation ${generation}`))).toBe(true);
    expect(rv.lines.some((l) => l.msg.startsWith(`restored Redis from generation ${generation}`))).toBe(true);
    expect(await read(cycle)).toEqual({ rows: { a: 200 }, keys: { 'tag:a': '200' } });
    expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
    // Only JSON lines: the AWS SDK's multi-line Node.js warning is not printed raw on stderr.
    expect(rv.stderr).toEqual([]);
  });
});
