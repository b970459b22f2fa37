// Helpers for the backup/restore cycles through `rolevisor run`: boot, write rows and keys,
// read them back, wipe the data directories (a fresh container), and stop what a SIGKILLed
// rolevisor left running.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from './env.js';
import { RolevisorProcess, type LogLine } from './rolevisor-process.js';

export const DBPASSWORD = 'cycle-db-pass-1';
export const REDISPASSWORD = 'cycle-redis-pass-1';

export interface Cycle {
  home: string;
  env: Record<string, string>;
  ports: { db: number; redis: number };
}

/** Roles sql:redis on free ports in `home`, no scheduled backup in the way; `extra` adds or overrides. */
export async function newCycle(home: string, extra: Record<string, string>): Promise<Cycle> {
  const ports = { db: await freePort(), redis: await freePort() };
  return {
    home,
    ports,
    env: {
      CONTAINERROLE: 'sql:redis',
      ROLEVISOR_HOME: home,
      DBPORT: String(ports.db),
      REDISPORT: String(ports.redis),
      REDIS: `redis://:${REDISPASSWORD}@localhost:${ports.redis}`,
      STATUSPORT: String(await freePort()),
      DBPASSWORD,
      STOPTIMEOUT: '30',
      BACKUPSCHEDULE: '0 0 1 1 *',
      // These cycles test generations of logical dumps (continuous archiving: continuous-fs.test.ts).
      ARCHIVESECONDS: '0',
      ...extra,
    },
  };
}

export async function boot(cycle: Cycle, extra: Record<string, string> = {}): Promise<RolevisorProcess> {
  const rv = new RolevisorProcess(['run'], { ...cycle.env, ...extra });
  await rv.ready(120_000);
  return rv;
}

export async function withDb<T>(cycle: Cycle, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: cycle.ports.db,
    user: 'docassemble',
    password: DBPASSWORD,
    database: 'docassemble',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function withRedis<T>(cycle: Cycle, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port: cycle.ports.redis, password: REDISPASSWORD, lazyConnect: true });
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Adds `n` rows tagged `tag` to items, and a Redis key per tag. */
export async function write(cycle: Cycle, tag: string, n: number): Promise<void> {
  await withDb(cycle, async (client) => {
    await client.query(
      'CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, tag text NOT NULL, body text NOT NULL)',
    );
    await client.query('INSERT INTO items (tag, body) SELECT $1, md5(g::text) FROM generate_series(1, $2::int) g', [
      tag,
      n,
    ]);
  });
  await withRedis(cycle, (redis) => redis.set(`tag:${tag}`, String(n)));
}

/** Rows per tag, and the Redis keys, as they are now. */
export async function read(
  cycle: Cycle,
): Promise<{ rows: Record<string, number>; keys: Record<string, string | null> }> {
  const rows = await withDb(cycle, async (client) => {
    const result = await client.query<{ tag: string; n: string }>(
      'SELECT tag, count(*) AS n FROM items GROUP BY tag ORDER BY tag',
    );
    return Object.fromEntries(result.rows.map((r) => [r.tag, Number(r.n)]));
  });
  const keys = await withRedis(cycle, async (redis) => {
    const names = (await redis.keys('tag:*')).sort();
    return Object.fromEntries(await Promise.all(names.map(async (k) => [k, await redis.get(k)] as const)));
  });
  return { rows, keys };
}

/** A fresh container: the data directories are gone, the store is not. */
export async function wipe(cycle: Cycle): Promise<void> {
  await rm(join(cycle.home, 'data', 'postgres'), { recursive: true, force: true });
  await rm(join(cycle.home, 'data', 'redis'), { recursive: true, force: true });
}

export const committed = (rv: RolevisorProcess, trigger: string): LogLine | undefined =>
  rv.lines.find((l) => new RegExp(`^backup \\S+ committed \\(${trigger}\\)`).test(l.msg));

/** After a SIGKILL of rolevisor its services (own process groups) still run: stop them cleanly. */
export async function stopOrphans(rv: RolevisorProcess): Promise<void> {
  const started = rv.lines.filter((l) => /^started (postgres|redis)$/.test(l.msg) && typeof l.pid === 'number');
  for (const line of started) {
    try {
      process.kill(-(line.pid as number), line.service === 'postgres' ? 'SIGINT' : 'SIGTERM');
    } catch {
      // already gone
    }
  }
  for (const line of started) {
    for (let i = 0; i < 100; i += 1) {
      try {
        process.kill(line.pid as number, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
