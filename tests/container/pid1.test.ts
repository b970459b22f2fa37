// The container's stop path, without Docker: the image's ENTRYPOINT + CMD (tini -- node --
// dist/cli.js run), run as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`)
// against the image's file layout built by hand (layout.ts), with the image's ENV. Roles
// sql:redis:log:web (quick to boot; the web app is a small WSGI file with a slow endpoint, so
// a stop has a request to drain; the log viewer is one of rolevisor's own compiled entries). The tests run in order on one ROLEVISOR_HOME, like restarts of one
// container on one volume.
//
// Each SIGTERM stop must leave a new complete generation (generations/<id>/manifest.json in
// the store, every part verified), even with a second SIGTERM during the stop, and SIGKILL
// must leave the last complete one byte for byte intact.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { memoryLogger, freePort, tempHome, testSettings } from '../helpers/env.js';
import { leftovers } from '../helpers/processes.js';
import { createStore } from '../../src/store/create.js';
import { verifyGeneration } from '../../src/generations/read.js';
import { scanGenerations } from '../../src/generations/scan.js';
import { execForm, readImage } from './dockerfile.js';
import { eventually, NamespacedProcess, processesIn, type Exit } from './helpers.js';
import { buildLayout, type Layout } from './layout.js';

const STOPTIMEOUT_SEC = 20;
const SLOW_REQUEST_SEC = 4;
const FILLER_ROWS = 20_000;
const image = readImage();

const slowApp = (
  marker: string,
) => `# A WSGI app whose /slow request takes ${SLOW_REQUEST_SEC} s: the stop must let it finish.
import time

def app(environ, start_response):
    if environ.get('PATH_INFO') == '/slow':
        open(${JSON.stringify(marker)}, 'w').close()
        time.sleep(${SLOW_REQUEST_SEC})
        body = b'slow request done\\n'
    else:
        body = b'ok\\n'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
`;

describe("the image's entrypoint as PID 1 (unshare --pid, tini, rolevisor run)", () => {
  let layout: Layout;
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let argv: string[];
  let marker: string;
  let running: NamespacedProcess | undefined;
  const started: NamespacedProcess[] = [];
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    layout = await buildLayout(image);
    home = await tempHome('rolevisor-pid1-');
    const appDir = join(home.dir, 'app');
    await mkdir(appDir);
    await chmod(appDir, 0o777); // the app runs as www-data and leaves its marker here
    marker = join(appDir, 'slow-started');
    await writeFile(join(appDir, 'slow_app.py'), slowApp(marker), { mode: 0o644 });
    for (const name of ['PORT', 'HTTPSPORT', 'DBPORT', 'REDISPORT', 'LOGPORT', 'LOGVIEWPORT', 'STATUSPORT'])
      ports[name] = await freePort();
    env = {
      // The image's PATH, with the layout's /usr/local/bin (rolevisor) and this machine's node.
      PATH: `${layout.bin}:${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      ...image.env,
      CONTAINERROLE: 'sql:redis:log:web',
      ROLEVISOR_HOME: join(home.dir, 'volume'),
      WSGIAPP: join(appDir, 'slow_app.py'),
      DBPASSWORD: 'pid1-test-db-secret',
      LOGSERVER: 'null',
      // No rabbitmq role here: without this, the web host would wait for a broker's discovery record.
      // The slow app never uses it.
      RABBITMQ: 'amqp://guest:guest@127.0.0.1:1//',
      STOPTIMEOUT: String(STOPTIMEOUT_SEC),
      // The stop's generation is what these tests check (dump mode); continuous archiving has its own tests.
      ARCHIVESECONDS: '0',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    };
    argv = [
      ...image.entrypoint.map((a) => (a.startsWith(`${image.workdir}/`) ? layout.translate(a) : a)),
      ...image.cmd,
    ];
  }, 300_000);

  afterAll(async () => {
    for (const container of started) await container.kill();
    await home?.cleanup();
    await layout?.cleanup();
  }, 60_000);

  /** Starts the container (after killing one a failed test left running) and waits until it is ready. */
  async function boot(): Promise<NamespacedProcess> {
    if (running?.running) await running.kill();
    running = await NamespacedProcess.start(argv, env);
    started.push(running);
    await running.waitForMessage(/^all services ready/, 180_000);
    return running;
  }

  const stopped = (rv: NamespacedProcess) =>
    rv.lines.filter((l) => l.service && / stopped$/.test(l.msg)).map((l) => l.service as string);
  const indexOf = (rv: NamespacedProcess, test: (msg: string, service?: string) => boolean) =>
    rv.lines.findIndex((l) => test(String(l.msg), l.service));

  /** The store's generations: complete ones verified part by part, with a digest of every object. */
  async function generations() {
    const { log } = memoryLogger();
    const store = await createStore(testSettings(env), log);
    const scan = await scanGenerations(store);
    const complete = [];
    for (const g of scan.complete) {
      const digests: Record<string, string> = {};
      for (const o of g.objects) {
        const hash = createHash('sha256');
        for await (const chunk of await store.get(o.key)) hash.update(chunk as Buffer);
        digests[o.key] = hash.digest('hex');
      }
      complete.push({ id: g.id, verified: (await verifyGeneration(store, g.manifest)).ok, digests });
    }
    return { complete, incomplete: scan.incomplete.map((g) => g.id) };
  }

  async function expectNewGenerationAfter(before: string[]) {
    const after = await generations();
    const fresh = after.complete.filter((g) => !before.includes(g.id));
    expect(fresh.length).toBeGreaterThanOrEqual(1);
    expect(fresh.every((g) => g.verified)).toBe(true);
  }

  test("the layout is the image's: compiled JavaScript, production packages only", async () => {
    expect((await stat(join(layout.dir, 'dist/cli.js'))).mode & 0o111).not.toBe(0);
    const modules = await readdir(join(layout.dir, 'node_modules'));
    for (const dev of ['typescript', 'tsx', 'jest', 'ts-jest', 's3rver']) expect(modules).not.toContain(dev);
    expect(modules).toEqual(expect.arrayContaining(['pino', 'pg', 'prom-client']));
    expect(argv.slice(0, 5)).toEqual(['/usr/bin/tini', '--', 'node', '--max-semi-space-size=1', '--']);
    expect(argv.slice(-2)).toEqual([join(layout.dir, 'dist/cli.js'), 'run']);
  });

  test('tini is PID 1, rolevisor PID 2, and every service runs inside the namespace', async () => {
    const rv = await boot();
    const procs = await rv.processes();
    const init = procs.find((p) => p.pid === rv.init)!;
    expect([init.nspid, init.name]).toEqual([1, 'tini']);
    const rolevisor = procs.filter((p) => p.ppid === rv.init);
    expect(rolevisor.map((p) => [p.nspid, p.name, p.cmdline.at(-2)])).toEqual([
      [2, 'node', join(layout.dir, 'dist/cli.js')],
    ]);
    const names = new Set(procs.map((p) => p.name));
    for (const program of ['postgres', 'redis-server', 'syslog-ng', 'nginx', 'uwsgi']) expect(names).toContain(program);
    // rolevisor's own child entry point runs compiled, from the image's dist/.
    expect(
      procs.some(
        (p) => p.cmdline[0] === process.execPath && p.cmdline[1] === join(layout.dir, 'dist/logviewer/main.js'),
      ),
    ).toBe(true);
    expect(rv.stderr.join('\n')).not.toMatch(/not running as PID 1/);
  }, 240_000);

  test('the HEALTHCHECK command passes against the status server, and fails when nothing answers', async () => {
    const rv = running!;
    const check = execForm(image.last('HEALTHCHECK').rest.slice('CMD '.length));
    const started = Date.now();
    const healthy = await rv.exec(check, env);
    expect([healthy.exitCode, healthy.stderr]).toEqual([0, '']);
    expect(Date.now() - started).toBeLessThan(5000);
    const nobody = await rv.exec(check, { ...env, STATUSPORT: String(await freePort()) });
    expect(nobody.exitCode).toBe(1);
  });

  test('`rolevisor status` as `docker exec` runs it: every service ready, rolevisor is PID 2', async () => {
    const result = await running!.exec(['rolevisor', 'status'], env);
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/^rolevisor \S+, pid 2, running, ready, up /);
    for (const service of ['postgres', 'redis', 'syslog', 'logviewer', 'uwsgi', 'nginx'])
      expect(result.stdout).toMatch(new RegExp(`^${service} +\\w+ +ready +\\d+ `, 'm'));
  });

  test('50 orphans left behind by a process in the container are reaped by tini: no zombies remain', async () => {
    const rv = running!;
    // The shell forks 50 sleeps and exits at once: they are orphans and re-parent to PID 1.
    const shell = await rv.exec(
      ['/bin/sh', '-c', 'for i in $(seq 50); do sleep 5 </dev/null >/dev/null 2>&1 & done'],
      env,
    );
    expect(shell.exitCode).toBe(0);
    const orphans = (await rv.processes()).filter((p) => p.cmdline.join(' ') === 'sleep 5');
    expect(orphans).toHaveLength(50);
    expect(new Set(orphans.map((p) => p.ppid))).toEqual(new Set([rv.init]));
    // When they exit, only their parent can reap them: tini must, or they stay Z forever.
    await eventually('the orphans to exit and be reaped', 20_000, async () => {
      const left = (await rv.processes()).filter(
        (p) => p.cmdline.join(' ') === 'sleep 5' || (p.state === 'Z' && p.name === 'sleep'),
      );
      return left.length === 0 ? true : undefined;
    });
    expect(await rv.zombies()).toEqual([]);
  }, 60_000);

  test('SIGTERM from outside: the front stops first, then the rest; exit 0 within STOPTIMEOUT; the namespace is empty', async () => {
    const rv = running!;
    const before = (await generations()).complete.map((g) => g.id);
    const sent = Date.now();
    rv.signal('SIGTERM');
    const exit = await rv.exited;
    expect([exit.exitCode, exit.signal]).toEqual([0, undefined]);
    expect(exit.at - sent).toBeLessThan(STOPTIMEOUT_SEC * 1000);
    const order = stopped(rv);
    expect(new Set(order)).toEqual(new Set(['nginx', 'uwsgi', 'postgres', 'redis', 'syslog', 'logviewer']));
    expect(order.indexOf('nginx')).toBeLessThan(order.indexOf('uwsgi'));
    expect(order.indexOf('uwsgi')).toBeLessThan(Math.min(order.indexOf('postgres'), order.indexOf('redis')));
    expect(rv.lines.at(-1)?.msg).toBe('rolevisor stopped cleanly');
    expect(await processesIn(rv.namespace)).toEqual([]);
    expect(await leftovers(home.dir)).toEqual([]);
    await expectNewGenerationAfter(before);
  }, 60_000);

  test('a second SIGTERM during the stop does not cut it short: the request in flight completes, exit 0', async () => {
    const rv = await boot();
    const before = (await generations()).complete.map((g) => g.id);
    await rm(marker, { force: true });
    const request = fetch(`http://127.0.0.1:${ports.PORT}/slow`).then(async (res) => ({
      status: res.status,
      body: await res.text(),
    }));
    await eventually('the slow request to reach the app', 10_000, () =>
      stat(marker).then(
        () => true,
        () => undefined,
      ),
    );
    const sent = Date.now();
    rv.signal('SIGTERM');
    await rv.waitForMessage(/^received SIGTERM: stopping/, 5000);
    rv.signal('SIGTERM');
    await rv.waitForMessage(/^received SIGTERM again/, 5000);
    expect(await request).toEqual({ status: 200, body: 'slow request done\n' });
    const exit = await rv.exited;
    expect([exit.exitCode, exit.signal]).toEqual([0, undefined]);
    expect(exit.at - sent).toBeLessThan(STOPTIMEOUT_SEC * 1000);
    expect(exit.at - sent).toBeGreaterThan((SLOW_REQUEST_SEC - 1) * 1000);
    // The second signal arrived while the front was still draining, and changed nothing.
    expect(indexOf(rv, (m) => /^received SIGTERM again/.test(m))).toBeLessThan(
      indexOf(rv, (m, s) => s === 'uwsgi' && / stopped$/.test(m)),
    );
    expect(new Set(stopped(rv))).toEqual(new Set(['nginx', 'uwsgi', 'postgres', 'redis', 'syslog', 'logviewer']));
    const stopping = indexOf(rv, (m) => /^received SIGTERM: stopping/.test(m));
    expect(rv.lines.slice(stopping).filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(rv.lines.at(-1)?.msg).toBe('rolevisor stopped cleanly');
    await expectNewGenerationAfter(before);
  }, 240_000);

  test('SIGKILL of the whole namespace: nothing left running, the last complete generation intact; the next start works', async () => {
    const rv = await boot();
    // ~20 MB of poorly compressible rows, so that the backup at stop takes a moment.
    const query = async <R extends pg.QueryResultRow>(sql: string) => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: ports.DBPORT,
        user: 'docassemble',
        password: env.DBPASSWORD,
        database: 'docassemble',
      });
      client.on('error', () => undefined); // the server going away is reported by the query
      await client.connect();
      try {
        return (await client.query<R>(sql)).rows;
      } finally {
        await client.end();
      }
    };
    await query(
      `CREATE TABLE filler AS SELECT g.n, (SELECT string_agg(md5(random()::text || g.n || k.j), '') FROM generate_series(1, 32) AS k(j)) AS body FROM generate_series(1, ${FILLER_ROWS}) AS g(n)`,
    );
    const before = await generations();
    expect(before.complete.length).toBeGreaterThanOrEqual(2);
    // SIGKILL in the middle of the stop's backup, as a runtime does when its grace period is
    // over: tini dies, and the kernel kills every process in its namespace.
    rv.signal('SIGTERM');
    await rv.waitForMessage(/^received SIGTERM: stopping/, 5000);
    await rv.waitForMessage(/^backup \S+ started/, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    rv.signal('SIGKILL');
    // unshare cannot re-raise its child's SIGKILL on itself (util-linux 2.38 exits 1 then).
    const exit: Exit = await rv.exited;
    expect(exit.exitCode).not.toBe(0);
    expect(rv.lines.some((l) => /stopped cleanly/.test(String(l.msg)))).toBe(false);
    expect(
      await eventually('the namespace to empty', 10_000, async () =>
        (await processesIn(rv.namespace)).length === 0 ? true : undefined,
      ),
    ).toBe(true);
    expect(await leftovers(home.dir)).toEqual([]);
    const after = await generations();
    for (const g of before.complete) {
      expect(g.verified).toBe(true);
      expect(after.complete.find((a) => a.id === g.id)).toEqual(g);
    }
    // A backup killed half-way has no manifest, so it is no generation; any that has one verifies.
    for (const g of after.complete) expect([g.id, g.verified]).toEqual([g.id, true]);

    // The same volume, started again: stale pid files and sockets of the killed run are no
    // obstacle, and PostgreSQL recovers what was committed.
    const again = await boot();
    const rows = await query<{ n: string }>('SELECT count(*) AS n FROM filler');
    expect(Number(rows[0].n)).toBe(FILLER_ROWS);
    const generationsBefore = (await generations()).complete.map((g) => g.id);
    again.signal('SIGTERM');
    expect((await again.exited).exitCode).toBe(0);
    await expectNewGenerationAfter(generationsBefore);
  }, 300_000);
});
