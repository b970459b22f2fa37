// The user's round trip with role `all` (the README's setup), for each store (Azure on Azurite): visits and a
// job through the demo app → SIGTERM (backup) → the data directories deleted (a new
// container) → boot → the demo app shows the same counts.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePortSettings, tempHome } from '../../helpers/env.js';
import { leftovers } from '../../helpers/processes.js';
import { RolevisorProcess, runCli } from '../../helpers/rolevisor-process.js';
import { startAzurite, type AzuriteHandle } from '../../helpers/azurite.js';
import { startS3rver, type S3rverHandle } from '../../helpers/s3rver.js';
import { committed } from '../../helpers/backup-cycle.js';

interface AppState {
  visits: number;
  cache_hits: number;
  jobs_done: number;
}

describe.each(['local directory', 'S3', 'Azure'] as const)(
  'role all, %s store: visit, stop, wipe, start — the counts are back',
  (kind) => {
    let server: S3rverHandle | undefined;
    let azurite: AzuriteHandle | undefined;
    let home: Awaited<ReturnType<typeof tempHome>>;
    let env: Record<string, string>;
    let base: string;
    let rv: RolevisorProcess | undefined;

    beforeAll(async () => {
      home = await tempHome();
      const ports = await freePortSettings();
      base = `http://127.0.0.1:${ports.PORT}`;
      // The stop's generation is what this round trip checks (dump mode); continuous archiving has its own tests.
      env = {
        ROLEVISOR_HOME: home.dir,
        DBPASSWORD: 'cycle-all-db-secret',
        STOPTIMEOUT: '60',
        ARCHIVESECONDS: '0',
        ...ports,
      };
      if (kind === 'S3') {
        server = await startS3rver();
        Object.assign(env, {
          S3BUCKET: 'rolevisor-all',
          S3ENDPOINTURL: server.endpoint,
          S3ACCESSKEY: 'S3RVER',
          S3SECRETACCESSKEY: 'S3RVER',
        });
      }
      if (kind === 'Azure') {
        azurite = await startAzurite();
        Object.assign(env, azurite.env('rolevisor-all'));
      }
    }, 60_000);

    afterAll(async () => {
      if (rv && rv.child.exitCode === null) await rv.stop('SIGKILL');
      await server?.stop();
      await azurite?.stop();
      await home.cleanup();
    });

    const call = async (method: 'GET' | 'POST', path: string): Promise<AppState & { task_id?: string }> => {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status).toBe(200);
      return res.json() as Promise<AppState & { task_id?: string }>;
    };

    async function stateReaching(jobs: number): Promise<AppState> {
      const until = Date.now() + 30_000;
      for (;;) {
        const state = await call('GET', '/api/state');
        if (state.jobs_done >= jobs || Date.now() > until) return state;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    test('the same visits, cache hits and jobs after a new container', async () => {
      rv = new RolevisorProcess(['run'], env);
      await rv.ready();
      for (let i = 0; i < 3; i += 1) await call('POST', '/api/visit');
      expect(typeof (await call('POST', '/api/job')).task_id).toBe('string');
      const before = await stateReaching(1);
      expect(before).toEqual({ visits: 3, cache_hits: 3, jobs_done: 1 });

      expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
      const generation = committed(rv, 'stop')?.generation as string;
      expect(generation).toBeDefined();
      if (azurite) expect(JSON.stringify(rv.lines)).not.toContain(azurite.accountKey);
      expect(await leftovers(home.dir)).toEqual([]);
      // A new container on a new volume: only the store remembers.
      for (const entry of ['data', 'last-backup.json'])
        await rm(join(home.dir, entry), { recursive: true, force: true });

      // The operator also changed DBPASSWORD since the first boot: the cluster's config.yml in
      // the store follows this host, which runs PostgreSQL, so the app still gets in.
      env.DBPASSWORD = 'cycle-all-db-secret-2';
      rv = new RolevisorProcess(['run'], env);
      await rv.ready();
      expect(rv.lines.some((l) => /^the config\.yml in the store named other credentials for sql /.test(l.msg))).toBe(
        true,
      );
      expect(JSON.stringify(rv.lines)).not.toContain('cycle-all-db-secret');
      if (azurite) expect(JSON.stringify(rv.lines)).not.toContain(azurite.accountKey);
      expect(rv.lines.some((l) => l.msg.startsWith(`restored PostgreSQL from generation ${generation}`))).toBe(true);
      expect(rv.lines.some((l) => l.msg.startsWith(`restored Redis from generation ${generation}`))).toBe(true);
      expect(await call('GET', '/api/state')).toEqual(before);
      // `rolevisor status` knows the last backup from the store.
      const status = await runCli(['status', '--json'], env);
      expect(status.exitCode).toBe(0);
      expect(
        (JSON.parse(status.stdout) as { lastBackup: { generation: string; trigger: string; ok: boolean } }).lastBackup,
      ).toEqual(expect.objectContaining({ generation, trigger: 'store', ok: true }));
      // And it keeps counting from there.
      expect((await call('POST', '/api/visit')).visits).toBe(4);
      expect((await rv.stop('SIGTERM')).exitCode).toBe(0);
    });
  },
);
