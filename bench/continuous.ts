// The pieces of the continuous-state bench (issue 11, item 8): a `rolevisor run` host as a
// child process (dist/, as the image runs it), pgbench, a plain PostgreSQL cluster archived
// by pgBackRest (the peer), and the store's objects counted on disk.
import { createInterface } from 'node:readline';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { freePortSettings } from '../tests/helpers/env.js';
import { isRunning, processTree } from '../tests/helpers/process-tree.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const BASE_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const DB = { user: 'docassemble', name: 'docassemble', password: 'bench-continuous-db' };
const REDIS_PASSWORD = 'bench-continuous-redis';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Stats {
  min: number;
  median: number;
  max: number;
  values: number[];
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0] ?? NaN, median, max: sorted[sorted.length - 1] ?? NaN, values };
}

/** A directory every service user can traverse (0755), empty. */
export async function freshDir(path: string, owner?: string): Promise<string> {
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
  await chmod(path, 0o755);
  if (owner) await execa('chown', [owner, path]);
  return path;
}

/** One `rolevisor run` (role sql:redis by default) with its own ports, home and local store. */
export class Host {
  child: ResultPromise | undefined;
  readonly tail: string[] = [];

  private constructor(readonly env: Record<string, string>) {}

  static async create(home: string, store: string, extra: Record<string, string> = {}): Promise<Host> {
    const ports = await freePortSettings();
    return new Host({
      ...BASE_ENV,
      ...ports,
      ROLEVISOR_HOME: home,
      BACKUPDIR: store,
      CONTAINERROLE: 'sql:redis',
      DBPASSWORD: DB.password,
      REDIS: `redis://:${REDIS_PASSWORD}@127.0.0.1:${ports.REDISPORT}`,
      STOPTIMEOUT: '600',
      LOGLEVEL: 'info',
      ...extra,
    });
  }

  get home(): string {
    return this.env.ROLEVISOR_HOME;
  }
  get dbPort(): number {
    return Number(this.env.DBPORT);
  }
  get redisPort(): number {
    return Number(this.env.REDISPORT);
  }
  get redisPassword(): string {
    return REDIS_PASSWORD;
  }
  get dataDir(): string {
    return join(this.home, 'data', 'postgres');
  }

  /** The same host (ports, store) on another disk. */
  on(home: string): Host {
    return new Host({ ...this.env, ROLEVISOR_HOME: home });
  }

  /** Starts it and resolves with the seconds until "all services ready". */
  async start(): Promise<number> {
    const t0 = performance.now();
    const child = execa(process.execPath, ['--max-semi-space-size=1', '--', CLI, 'run'], {
      env: this.env,
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      forceKillAfterDelay: false,
    });
    this.child = child;
    return new Promise<number>((resolve, reject) => {
      const keep = (line: string) => {
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
        if (line.includes('"msg":"all services ready')) resolve((performance.now() - t0) / 1000);
      };
      createInterface({ input: child.stdout }).on('line', keep);
      createInterface({ input: child.stderr }).on('line', keep);
      void child.then((r) =>
        reject(
          new Error(
            `rolevisor (${this.home}) exited (${r.exitCode ?? r.signal}) before ready:\n${this.tail.slice(-15).join('\n')}`,
          ),
        ),
      );
    });
  }

  /** SIGTERM → exit: seconds and exit code. */
  async stop(): Promise<{ seconds: number; code: number | undefined }> {
    const child = this.child!;
    const t0 = performance.now();
    child.kill('SIGTERM');
    const r = await child;
    this.child = undefined;
    return { seconds: (performance.now() - t0) / 1000, code: r.exitCode };
  }

  /** The host vanishes: SIGKILL of rolevisor and every process under it at once. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const tree = processTree(child.pid);
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await child;
    for (let i = 0; i < 100 && tree.some(isRunning); i += 1) await sleep(100);
    this.child = undefined;
  }

  /** `rolevisor <args>` against this host (its control socket). */
  cli(args: string[]) {
    return execa(process.execPath, ['--', CLI, ...args], { env: this.env, extendEnv: false });
  }

  client(): pg.Client {
    return new pg.Client({
      host: '127.0.0.1',
      port: this.dbPort,
      user: DB.user,
      password: DB.password,
      database: DB.name,
    });
  }
}

export interface PgTarget {
  port: number;
  user: string;
  password: string;
  database: string;
}

export const hostTarget = (host: Host): PgTarget => ({ port: host.dbPort, ...DB, database: DB.name });

export async function query<T extends pg.QueryResultRow>(target: PgTarget, sql: string): Promise<T[]> {
  const client = new pg.Client({ host: '127.0.0.1', ...target });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** pgbench over TCP; resolves with its output. */
export async function pgbench(target: PgTarget, args: string[]): Promise<string> {
  const r = await execa(
    'pgbench',
    ['-h', '127.0.0.1', '-p', String(target.port), '-U', target.user, ...args, target.database],
    { env: { ...BASE_ENV, PGPASSWORD: target.password }, extendEnv: false, all: true },
  );
  return r.all ?? '';
}

export function tpsOf(output: string): number {
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  if (!m) throw new Error(`no tps in pgbench's output:\n${output}`);
  return Number(m[1]);
}

/** Waits until PostgreSQL has handed every finished segment to its archive_command. */
export async function drained(dataDir: string, timeoutMs = 600_000): Promise<void> {
  const dir = join(dataDir, 'pg_wal', 'archive_status');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ready = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.ready'));
    if (ready.length === 0) return;
    if (Date.now() > until) throw new Error(`${ready.length} WAL segments still not archived in ${dataDir}`);
    await sleep(250);
  }
}

export interface Tree {
  files: Map<string, number>;
}

/** Every file under `dir` with its size (temporary files excluded). */
export async function listTree(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && !entry.name.includes('.rv-tmp-')) {
        const size = await stat(path).then(
          (s) => s.size,
          () => undefined,
        );
        if (size !== undefined) out.set(path, size);
      }
    }
  };
  await walk(dir);
  return out;
}

/** New objects (and their bytes) in `after` that `before` did not have. */
export function added(before: Map<string, number>, after: Map<string, number>): { objects: number; bytes: number } {
  let objects = 0;
  let bytes = 0;
  for (const [path, size] of after) {
    if (before.has(path)) continue;
    objects += 1;
    bytes += size;
  }
  return { objects, bytes };
}

const asPostgres = (file: string, args: string[], opts: { cwd?: string } = {}) =>
  execa('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: opts.cwd ?? '/', all: true });

/** A plain PostgreSQL 15 cluster (initdb's defaults, as rolevisor's), TCP on loopback with trust. */
export class PlainCluster {
  readonly data: string;
  readonly run: string;
  readonly target: PgTarget;

  constructor(
    readonly dir: string,
    port: number,
  ) {
    this.data = join(dir, 'data');
    this.run = join(dir, 'run');
    this.target = { port, user: 'postgres', password: '', database: 'bench' };
  }

  /** initdb, the same overrides rolevisor renders (listen, port, socket, stderr logging) plus `extra`. */
  async init(extra: string[] = []): Promise<void> {
    await freshDir(this.dir, 'postgres');
    await mkdir(this.run);
    await chown(this.run, ...(await ids()));
    await asPostgres(join(PG_BIN, 'initdb'), ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    await appendFile(
      join(this.data, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `port = ${this.target.port}`,
        `unix_socket_directories = '${this.run}'`,
        "log_destination = 'stderr'",
        'logging_collector = off',
        ...extra,
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', this.data, '-l', join(this.dir, 'postgres.log'), '-w', 'start']);
    await this.psql('postgres', 'CREATE DATABASE bench');
    // As rolevisor does: without a checkpoint after the start, PostgreSQL 15 ignores archive_timeout.
    await this.psql('postgres', 'CHECKPOINT');
  }

  async stop(): Promise<void> {
    await asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  }

  async psql(database: string, sql: string): Promise<string> {
    const r = await asPostgres('/usr/bin/psql', [
      '-h',
      this.run,
      '-p',
      String(this.target.port),
      '-d',
      database,
      '-Atc',
      sql,
    ]);
    return r.stdout;
  }

  /** pg_restore (one job, the default) of a dump file into database bench; seconds. */
  async restore(dump: string): Promise<number> {
    const t0 = performance.now();
    await asPostgres('/usr/bin/pg_restore', [
      '-h',
      this.run,
      '-p',
      String(this.target.port),
      '--no-owner',
      '--no-privileges',
      '-d',
      'bench',
      dump,
    ]);
    return (performance.now() - t0) / 1000;
  }
}

async function ids(): Promise<[number, number]> {
  const r = await execa('id', ['-u', 'postgres']);
  const g = await execa('id', ['-g', 'postgres']);
  return [Number(r.stdout), Number(g.stdout)];
}

/** Debian's pgBackRest (installed if missing) with a local-directory repository for `cluster`. */
export async function pgbackrestFor(cluster: PlainCluster, conf: string, say: (l: string) => void): Promise<string> {
  if (!(await stat('/usr/bin/pgbackrest').catch(() => undefined))) {
    say('installing pgbackrest (apt-get install -y pgbackrest)');
    await execa('apt-get', ['install', '-y', 'pgbackrest'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const version = (await execa('pgbackrest', ['version'])).stdout.trim();
  const [uid, gid] = await ids();
  for (const sub of ['repo', 'log', 'lock', 'spool']) {
    await mkdir(join(cluster.dir, sub), { recursive: true });
    await chown(join(cluster.dir, sub), uid, gid);
  }
  await writeFile(
    conf,
    [
      '[global]',
      `repo1-path=${join(cluster.dir, 'repo')}`,
      `log-path=${join(cluster.dir, 'log')}`,
      `lock-path=${join(cluster.dir, 'lock')}`,
      `spool-path=${join(cluster.dir, 'spool')}`,
      'log-level-console=warn',
      'log-level-file=warn',
      // The same codec and level as rolevisor's segments (zstd -1); archive-push synchronous (archive-async=n, the default).
      'compress-type=zst',
      'compress-level=1',
      'archive-async=n',
      '',
      '[bench]',
      `pg1-path=${cluster.data}`,
      `pg1-port=${cluster.target.port}`,
      `pg1-socket-path=${cluster.run}`,
      '',
    ].join('\n'),
  );
  await chown(conf, uid, gid);
  return version;
}

export async function stanzaCreate(conf: string): Promise<void> {
  await asPostgres('/usr/bin/pgbackrest', [`--config=${conf}`, '--stanza=bench', 'stanza-create']);
}

export const pgbackrestArchiveCommand = (conf: string) =>
  `archive_command = 'pgbackrest --config=${conf} --stanza=bench archive-push %p'`;

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
