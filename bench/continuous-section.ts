// Continuous archiving (issue 11, item 8), in one run on pgbench's own data, the real
// `rolevisor run` (role sql:redis, local-directory store) as a child throughout:
//   (1) the stop (SIGTERM → exit, everything in the store) with a small database;
//   (2) pgbench throughput with archiving (archive_command → scripts/wal-archive.mjs →
//       rolevisor → store) against archive_mode off (DBBACKUP=false, role sql) and against
//       pgBackRest archiving the same load into a local repository (the peer), runs alternating;
//   (3) objects and bytes a day in the store while idle (measured, then extrapolated);
//   (4) the stop with the big database (scale BENCH_CONT_SCALE, default 70 ≈ 1 GiB);
//   (5) a new host's boot with restore (base backup + replay) against pg_restore of a default
//       `pg_dump -Fc` of the same database into a fresh cluster;
//   (6) host loss under steady writes: the whole process tree SIGKILLed, a new disk, restore
//       from the store, the newest acknowledged commit / Redis write that survived.
// BENCH_SMALL=1: small scales, short runs, REDISSNAPSHOTSECONDS=10.
import { cp, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { freePort } from '../tests/helpers/env.js';
import {
  added,
  DB,
  drained,
  freshDir,
  Host,
  hostTarget,
  listTree,
  pgbackrestArchiveCommand,
  pgbackrestFor,
  pgbench,
  PlainCluster,
  query,
  ROOT,
  sleep,
  stanzaCreate,
  stats,
  tpsOf,
  type Stats,
} from './continuous.js';
import type { BenchSection } from './sections.js';

const DAY = 86_400;
const MIB = 1024 * 1024;
const f = (s: Stats, digits = 1, unit = '') =>
  `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}${unit}`;
const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

interface Ack {
  value: number;
  at: number;
}

/** A steady writer: one autocommit INSERT into bench_loss, one Redis INCR, every `everyMs`. */
function steadyWrites(host: Host, key: string, everyMs: number) {
  const pgAcks: Ack[] = [];
  const redisAcks: Ack[] = [];
  let writing = true;
  const failures: string[] = [];
  const client = host.client();
  client.on('error', () => undefined);
  const redis = new Redis({
    host: '127.0.0.1',
    port: host.redisPort,
    password: host.redisPassword,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  const loop = async (write: () => Promise<number>, acks: Ack[]) => {
    while (writing) {
      try {
        const value = await write();
        acks.push({ value, at: Date.now() });
      } catch (error) {
        failures.push(String(error)); // the host is gone
        return;
      }
      await sleep(everyMs);
    }
  };
  const running = (async () => {
    await client.connect();
    await client.query(
      'CREATE TABLE IF NOT EXISTS bench_loss (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())',
    );
    await redis.connect();
    await Promise.all([
      loop(
        async () =>
          Number((await client.query<{ id: string }>('INSERT INTO bench_loss DEFAULT VALUES RETURNING id')).rows[0].id),
        pgAcks,
      ),
      loop(() => redis.incr(key), redisAcks),
    ]);
  })().catch((error: unknown) => failures.push(`setup: ${String(error)}`));
  return {
    failures,
    pgAcks,
    redisAcks,
    async end() {
      writing = false;
      await running.catch(() => undefined);
      await client.end().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** Seconds of acknowledged writes after the newest survivor (0 when the last one survived). */
function lost(acks: Ack[], survivor: number): { seconds: number; writes: number } {
  const last = acks.at(-1);
  if (!last) return { seconds: 0, writes: 0 };
  const after = acks.filter((a) => a.value > survivor);
  if (after.length === 0) return { seconds: 0, writes: 0 };
  const newest = [...acks].reverse().find((a) => a.value <= survivor);
  return { seconds: (last.at - (newest?.at ?? acks[0].at)) / 1000, writes: after.length };
}

export const continuousSection: BenchSection = {
  name: 'continuous',
  async run({ say, full }) {
    const bigScale = Number(process.env.BENCH_CONT_SCALE ?? (full ? 70 : 5));
    const tpsScale = full ? 10 : 2;
    const tpsSeconds = full ? 10 : 5;
    const tpsRuns = full ? 3 : 1;
    const stopRuns = full ? 3 : 2;
    const restoreRuns = 1; // the two host-loss runs below are two more boots with restore
    const lossRuns = 2;
    const idleSeconds = full ? 60 : 15;
    const snapshotSeconds = full ? 60 : 10;
    const root = await freshDir(`/var/tmp/rv-cbench-${process.pid}`);
    const store = join(root, 'store');
    const load = [loadavg()[0]];
    const hosts: Host[] = [];
    const clusters: PlainCluster[] = [];
    const host = async (home: string, storeDir = store, extra: Record<string, string> = {}) => {
      const h = await Host.create(await freshDir(join(root, home)), storeDir, {
        REDISSNAPSHOTSECONDS: String(snapshotSeconds),
        ...extra,
      });
      hosts.push(h);
      return h;
    };
    const dbBytes = async (h: Host) =>
      Number((await query<{ b: string }>(hostTarget(h), 'SELECT pg_database_size(current_database()) AS b'))[0].b);
    const writesFor = async (h: Host, seconds: number) =>
      pgbench(hostTarget(h), ['-n', '-c', '2', '-j', '2', '-R', '100', '-T', String(seconds)]);

    try {
      say('building dist/ (npm run build)');
      await execa('npm', ['run', '-s', 'build'], { cwd: ROOT });
      const a = await host('a');
      say(`host A (sql:redis, local store, ARCHIVESECONDS default) first boot: ${(await a.start()).toFixed(1)} s`);

      // (1) the stop with a small database.
      await pgbench(hostTarget(a), ['-i', '-q', '-s', '1']);
      const smallBytes = await dbBytes(a);
      const smallStops: number[] = [];
      for (let i = 0; i < stopRuns; i += 1) {
        await writesFor(a, 3);
        const stop = await a.stop();
        if (stop.code !== 0)
          throw new Error(`host A exited ${stop.code} at its stop:\n${a.tail.slice(-15).join('\n')}`);
        smallStops.push(stop.seconds);
        say(`small stop ${i + 1} (${mib(smallBytes)}): ${stop.seconds.toFixed(2)} s`);
        await a.start();
      }

      // (2) archive overhead and the peer: the same pgbench load on three clusters, alternating.
      const b = await host('b', join(root, 'store-b'), { CONTAINERROLE: 'sql', DBBACKUP: 'false' });
      await b.start();
      const c = new PlainCluster(join(root, 'pgbackrest'), await freePort());
      clusters.push(c);
      const pgbrConf = join(c.dir, 'pgbackrest.conf');
      await c.init([
        "wal_level = 'replica'",
        'archive_mode = on',
        pgbackrestArchiveCommand(pgbrConf),
        'archive_timeout = 4',
      ]);
      const pgbrVersion = await pgbackrestFor(c, pgbrConf, say);
      await c.start();
      await stanzaCreate(pgbrConf);
      const sides = [
        { name: 'rolevisor', target: hostTarget(a), dataDir: a.dataDir, repo: store },
        { name: 'off', target: hostTarget(b), dataDir: undefined, repo: undefined },
        { name: 'pgbackrest', target: c.target, dataDir: c.data, repo: join(c.dir, 'repo') },
      ];
      for (const side of sides) {
        await pgbench(side.target, ['-i', '-q', '-s', String(tpsScale)]);
        if (side.dataDir) await drained(side.dataDir);
      }
      say(`pgbench -i -s ${tpsScale} on the three clusters; ${tpsRuns} × ${tpsSeconds} s of pgbench -c 4 -j 2 each`);
      const tps = new Map<string, number[]>(sides.map((s) => [s.name, []]));
      const archived = new Map<string, { objects: number; bytes: number; seconds: number }>();
      for (let run = 0; run < tpsRuns; run += 1) {
        const order = [...sides.slice(run % 3), ...sides.slice(0, run % 3)];
        for (const side of order) {
          const before = side.repo ? await listTree(side.repo) : undefined;
          const t0 = Date.now();
          const value = tpsOf(await pgbench(side.target, ['-n', '-c', '4', '-j', '2', '-T', String(tpsSeconds)]));
          if (side.dataDir) await drained(side.dataDir);
          if (side.repo && before) {
            const got = added(before, await listTree(side.repo));
            const sum = archived.get(side.name) ?? { objects: 0, bytes: 0, seconds: 0 };
            archived.set(side.name, {
              objects: sum.objects + got.objects,
              bytes: sum.bytes + got.bytes,
              seconds: sum.seconds + (Date.now() - t0) / 1000,
            });
          }
          tps.get(side.name)!.push(value);
          say(`tps ${side.name.padEnd(10)} run ${run + 1}: ${value.toFixed(0)}`);
        }
      }
      const ratio = (x: string, y: string) => stats(tps.get(x)!.map((v, i) => v / tps.get(y)![i]));
      await b.stop();
      await c.stop();

      // (3) idle cost: once the store has had no new object for 20 s (autovacuum after the load,
      // the last checkpoint), count what arrives in idleSeconds.
      let quiet = await listTree(store);
      for (let waited = 0, still = 0; still < 20 && waited < 90; waited += 5) {
        await sleep(5000);
        const now = await listTree(store);
        still = added(quiet, now).objects === 0 ? still + 5 : 0;
        quiet = now;
      }
      const idleBefore = await listTree(store);
      await sleep(idleSeconds * 1000);
      const idle = added(idleBefore, await listTree(store));
      say(`idle ${idleSeconds} s: ${idle.objects} objects, ${idle.bytes} bytes`);

      // (4) the big database: load, one base backup (a scheduled generation), writes, stops.
      let t0 = Date.now();
      await pgbench(hostTarget(a), ['-i', '-q', '-s', String(bigScale)]);
      const loadSeconds = (Date.now() - t0) / 1000;
      await drained(a.dataDir);
      const bigBytes = await dbBytes(a);
      say(`pgbench -i -s ${bigScale}: ${mib(bigBytes)} in ${loadSeconds.toFixed(0)} s (archived)`);
      t0 = Date.now();
      await a.cli(['backup']);
      const baseSeconds = (Date.now() - t0) / 1000;
      say(`rolevisor backup (base backup of ${mib(bigBytes)}): ${baseSeconds.toFixed(1)} s`);
      await writesFor(a, 10);
      const bigStops: number[] = [];
      for (let i = 0; i < stopRuns; i += 1) {
        await writesFor(a, 3);
        const stop = await a.stop();
        if (stop.code !== 0)
          throw new Error(`host A exited ${stop.code} at its stop:\n${a.tail.slice(-15).join('\n')}`);
        bigStops.push(stop.seconds);
        say(`big stop ${i + 1} (${mib(bigBytes)}): ${stop.seconds.toFixed(2)} s`);
        if (i < stopRuns - 1) await a.start();
      }
      const storeBytes = [...(await listTree(store)).values()].reduce((x, y) => x + y, 0);

      // (5) a new host restores (base backup + replay) vs pg_restore of a default pg_dump -Fc.
      const restoreBoots: number[] = [];
      const dump = join(root, 'bench.dump');
      let dumpSeconds = 0;
      for (let i = 0; i < restoreRuns; i += 1) {
        const copy = join(root, `store-copy-${i}`);
        await cp(store, copy, { recursive: true });
        const r = await host(`restore-${i}`, copy);
        const seconds = await r.start();
        const rows = Number(
          (await query<{ n: string }>(hostTarget(r), 'SELECT count(*) AS n FROM pgbench_accounts'))[0].n,
        );
        if (rows !== bigScale * 100_000)
          throw new Error(`the restored host holds ${rows} accounts, not ${bigScale * 100_000}`);
        restoreBoots.push(seconds);
        say(`restore boot ${i + 1}: ${seconds.toFixed(1)} s (${rows} accounts); ${restoredLine(r)}`);
        if (i === 0) {
          t0 = Date.now();
          await execa(
            'pg_dump',
            ['-h', '127.0.0.1', '-p', String(r.dbPort), '-U', DB.user, '-Fc', '-f', dump, DB.name],
            {
              env: { PGPASSWORD: DB.password },
            },
          );
          dumpSeconds = (Date.now() - t0) / 1000;
          await execa('chmod', ['0644', dump]);
        }
        await r.kill();
        await rm(copy, { recursive: true, force: true });
        await rm(r.home, { recursive: true, force: true });
      }
      const dumpBytes = [...(await listTree(root)).entries()].find(([p]) => p === dump)?.[1] ?? 0;
      const pgRestores: number[] = [];
      for (let i = 0; i < restoreRuns; i += 1) {
        const fresh = new PlainCluster(join(root, `pg-restore-${i}`), await freePort());
        clusters.push(fresh);
        await fresh.init();
        await fresh.start();
        const seconds = await fresh.restore(dump);
        pgRestores.push(seconds);
        say(`pg_restore ${i + 1}: ${seconds.toFixed(1)} s`);
        await fresh.stop();
        await rm(fresh.dir, { recursive: true, force: true });
      }
      const restoreRatio = stats(restoreBoots.map((s, i) => s / pgRestores[i]));

      // (6) host loss under steady writes, twice: kill, new disk, restore, compare.
      const pgLost: number[] = [];
      const pgLostCommits: number[] = [];
      const redisLost: number[] = [];
      const redisLostWrites: number[] = [];
      const lossBoots: number[] = [];
      let commitRate = 0;
      let current = a;
      await current.start();
      for (let run = 0; run < lossRuns; run += 1) {
        const key = `bench:loss:${run}`;
        const writes = steadyWrites(current, key, 10);
        const seconds = snapshotSeconds + 2 + Math.random() * snapshotSeconds;
        await sleep(seconds * 1000);
        await current.kill();
        await writes.end();
        say(
          `  ${writes.pgAcks.length} commits and ${writes.redisAcks.length} Redis writes acknowledged; ended by: ${writes.failures.join('; ')}`,
        );
        commitRate = writes.pgAcks.length / seconds;
        for (const line of current.tail.filter((l) => /"level":(40|50|60)/.test(l)).slice(-5))
          say(`  ${line.slice(0, 400)}`);
        const walKeys = [...(await listTree(join(store, 'wal'))).keys()]
          .map((k) => k.split('/').pop()!.slice(0, 24))
          .sort();
        say(`  the store holds ${walKeys.length} WAL objects, the newest ${walKeys.at(-1)}`);
        const next = current.on(await freshDir(join(root, `loss-${run}`)));
        hosts.push(next);
        lossBoots.push(await next.start());
        say(`  ${restoredLine(next)}`);
        // No table at all: not even its CREATE reached the store (everything written was lost).
        const survivor = Number(
          (
            await query<{ id: string | null }>(hostTarget(next), 'SELECT max(id) AS id FROM bench_loss').catch(() => [
              { id: null },
            ])
          )[0].id ?? 0,
        );
        const redis = new Redis({ host: '127.0.0.1', port: next.redisPort, password: next.redisPassword });
        const redisSurvivor = Number((await redis.get(key)) ?? 0);
        redis.disconnect();
        const p = lost(writes.pgAcks, survivor);
        const r = lost(writes.redisAcks, redisSurvivor);
        pgLost.push(p.seconds);
        pgLostCommits.push(p.writes);
        redisLost.push(r.seconds);
        redisLostWrites.push(r.writes);
        say(
          `loss run ${run + 1} (killed after ${seconds.toFixed(0)} s of writes): PostgreSQL ${p.writes} commits / ${p.seconds.toFixed(2)} s, Redis ${r.writes} writes / ${r.seconds.toFixed(1)} s; boot with restore ${lossBoots.at(-1)!.toFixed(1)} s`,
        );
        if (process.env.BENCH_CONT_KEEP !== '1') await rm(current.home, { recursive: true, force: true });
        current = next;
      }
      await current.kill();
      load.push(loadavg()[0]);

      const stopRatio = stats(bigStops).median / stats(smallStops).median;
      const overhead = ratio('rolevisor', 'off');
      const peer = ratio('rolevisor', 'pgbackrest');
      const arch = archived.get('rolevisor');
      const archPeer = archived.get('pgbackrest');
      const perDay = (x: number, seconds: number) => ((x * DAY) / seconds).toFixed(0);
      const rows = [
        `| (1) SIGTERM → exit, ${mib(smallBytes)} database (pgbench -s 1), after 3 s of writes | ${f(stats(smallStops), 2, ' s')} | ${stopRuns} runs |`,
        `| (4) SIGTERM → exit, ${mib(bigBytes)} database (pgbench -s ${bigScale}), after 3 s of writes | ${f(stats(bigStops), 2, ' s')} | ${stopRatio.toFixed(2)} × the small one (medians): goal ≤ 1.5 × ${met(stopRatio <= 1.5)} |`,
        `| (2) pgbench tps, archiving into the store / archive_mode off | ${f(overhead, 2, ' ×')} | rolevisor ${f(stats(tps.get('rolevisor')!), 0)} tps, off ${f(stats(tps.get('off')!), 0)} tps |`,
        `| (2) pgbench tps, rolevisor / pgBackRest (${pgbrVersion.replace('pgBackRest ', '')}, archive-push, archive-async=n, zst level 1) | ${f(peer, 2, ' ×')} | pgBackRest ${f(stats(tps.get('pgbackrest')!), 0)} tps |`,
        arch
          ? `| (2) stored under pgbench (rolevisor) | ${arch.objects} objects, ${mib(arch.bytes)} in ${arch.seconds.toFixed(0)} s | ${perDay(arch.objects, arch.seconds)} objects and ${mib((arch.bytes * DAY) / arch.seconds)} a day at this rate (pgBackRest: ${archPeer ? `${archPeer.objects} objects, ${mib(archPeer.bytes)}` : 'n/a'}) |`
          : '',
        `| (3) idle: objects and bytes in the store | ${idle.objects} objects, ${idle.bytes} bytes in ${idleSeconds} s | extrapolated: ${perDay(idle.objects, idleSeconds)} objects and ${mib((idle.bytes * DAY) / idleSeconds)} a day |`,
        `| (5) new host: boot with restore (base backup + replay), ${mib(bigBytes)} | ${f(stats(restoreBoots), 1, ' s')} | spawn → all services ready |`,
        `| (5) pg_restore (one job) of the default \`pg_dump -Fc\` (${mib(dumpBytes)}, dumped in ${dumpSeconds.toFixed(0)} s) into a fresh cluster | ${f(stats(pgRestores), 1, ' s')} | boot with restore / pg_restore: ${f(restoreRatio, 2, ' ×')}: goal ≤ 0.5 × ${met(restoreRatio.median <= 0.5)} |`,
        `| (6) PostgreSQL commits lost at host loss (SIGKILL of the tree, new disk), ~${commitRate.toFixed(0)} commits/s | ${f(stats(pgLost), 2, ' s')} (${f(stats(pgLostCommits), 0)} commits) | goal ≤ 5 s (ARCHIVESECONDS=5) ${met(Math.max(...pgLost) <= 5)} |`,
        `| (6) Redis writes lost at host loss, REDISSNAPSHOTSECONDS=${snapshotSeconds} | ${f(stats(redisLost), 1, ' s')} (${f(stats(redisLostWrites), 0)} writes) | bound: the interval + one upload |`,
        `| (6) boot with restore after the host loss | ${f(stats(lossBoots), 1, ' s')} | base backup + all WAL since it |`,
      ].filter(Boolean);
      for (const row of rows) say(row);
      return [
        '## Continuous archiving: loss, stop, restore, overhead (issue 11)',
        '',
        `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench -- continuous\` (bench/continuous-section.ts)${full ? '' : ' — a SMALL try, not the documented size'}, on ${cpus().length} cores shared with other work (load average ${load[0].toFixed(1)} before, ${load[1].toFixed(1)} after: every time here is stretched by it; the lead may rerun it quiet). The real \`rolevisor run\` (role sql:redis, dist/) as a child, store a local directory, default settings but REDISSNAPSHOTSECONDS=${snapshotSeconds}; PostgreSQL 15 from Debian, pgbench's own data. Values are min / median / max; ratios are taken run by run (the sides alternate). Store after the big phase: ${mib(storeBytes)}; base backup of the big database took ${baseSeconds.toFixed(0)} s, its load ${loadSeconds.toFixed(0)} s (neither is in any timing).`,
        '',
        '| What | Measured | Note / goal |',
        '|---|---|---|',
        ...rows,
        '',
        'How: (2) pgbench -c 4 -j 2 for ' +
          `${tpsSeconds} s per run on pgbench -s ${tpsScale} data in each cluster: rolevisor's (archive_command → scripts/wal-archive.mjs → rolevisor's socket → zstd -1 → fsynced file in the store), the same rolevisor with DBBACKUP=false (archive_mode off; otherwise the same rendered postgresql.conf), and a plain initdb cluster with the same overrides and archive_timeout whose archive_command is \`pgbackrest archive-push\` into a local repository. (3) once the store has had no new object for 20 s after the writes (autovacuum, the last checkpoint), the store is listed, ${idleSeconds} s pass, the new objects are counted; a day is that × ${DAY / idleSeconds} (an idle PostgreSQL writes no WAL: no checkpoint and no switch; an idle Redis is not snapshotted). (4) the base backup is a \`rolevisor backup\` after the load, then 10 s of writes (-R 100) to replay. Both archiving clusters get a CHECKPOINT once up: PostgreSQL 15 ignores archive_timeout after a start until its first checkpoint (rolevisor now issues it; see src/backup/wal/engine.ts). (5) each restore boots from a copy of the store on an empty home; pg_restore runs into an initdb'd, started cluster (its initdb and start not counted). (6) one autocommit INSERT and one Redis INCR every 10 ms; the kill comes ${snapshotSeconds + 2}–${2 * snapshotSeconds + 2} s after the writes start, at random; "lost" is from the newest surviving acknowledged write to the last acknowledged one.`,
        '',
      ].join('\n');
    } finally {
      for (const h of hosts) await h.kill().catch(() => undefined);
      for (const c of clusters) await c.stop();
      // BENCH_CONT_KEEP=1 keeps the homes and stores for a look after a failure.
      if (process.env.BENCH_CONT_KEEP !== '1') await rm(root, { recursive: true, force: true });
    }
  },
};

/** What the new host's log says it restored PostgreSQL from (its message). */
function restoredLine(host: Host): string {
  for (const line of host.tail) {
    const msg = /"msg":"(restored PostgreSQL[^"]*)"/.exec(line)?.[1];
    if (msg) return msg;
  }
  return `no "restored PostgreSQL" line in the log:\n${host.tail.slice(-20).join('\n')}`;
}
