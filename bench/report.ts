// docs/benchmarks.md from one run of the backup benchmark: the five timings against the
// goals of issue 4, with what was measured and on what machine.
import type { BenchResult, Measurement } from './backup.js';

const MIB = 1024 * 1024;
const s = (m: Measurement | undefined) => (m ? `${m.seconds.toFixed(1)} s` : 'n/a');
const mib = (bytes: number | undefined) => (bytes === undefined ? '' : `${(bytes / MIB).toFixed(0)} MiB`);
const yes = (ok: boolean) => (ok ? '**met**' : '**not met**');

export function benchmarkMarkdown(result: BenchResult, date = new Date()): string {
  const get = (key: string) => result.measurements.find((m) => m.key === key);
  const [a, b, c, d, e, start, b2, bfs, az, az1] = [
    'a',
    'b',
    'c',
    'd',
    'e',
    'start',
    'b2',
    'b-fs',
    'a-zstd',
    'a-zstd1',
  ].map(get);
  const rows = [a, az, az1, b, b2, bfs, c, d, start, e]
    .filter((m): m is Measurement => m !== undefined)
    .map((m) => `| ${m.key} | ${m.what} | ${m.seconds.toFixed(1)} s | ${mib(m.bytes)} | ${m.note ?? ''} |`);
  const goals: string[] = [];
  if (a && b && c) {
    goals.push(
      `| (b) ≤ 1.8 × (a) | ${s(b)} ≤ ${(1.8 * a.seconds).toFixed(1)} s | ${(b.seconds / a.seconds).toFixed(2)} × (a) | ${yes(b.seconds <= 1.8 * a.seconds)} |`,
    );
    goals.push(
      `| (b) ≤ 0.25 × (c) | ${s(b)} ≤ ${(0.25 * c.seconds).toFixed(1)} s | ${(b.seconds / c.seconds).toFixed(2)} × (c) | ${yes(b.seconds <= 0.25 * c.seconds)} |`,
    );
  }
  if (b?.bytes !== undefined && c?.bytes !== undefined) {
    goals.push(
      `| backup no larger than the default \`-Fc\` dump (+ RDB) | ${mib(b.bytes)} ≤ ${mib(c.bytes)} | ${(b.bytes / c.bytes).toFixed(2)} × | ${yes(b.bytes <= c.bytes)} |`,
    );
  }
  if (d && e && start) {
    const restore = e.seconds - start.seconds;
    goals.push(
      `| (e) − service start ≤ 1.0 × (d) | ${restore.toFixed(1)} s ≤ ${d.seconds.toFixed(1)} s | ${(restore / d.seconds).toFixed(2)} × (d) | ${yes(restore <= d.seconds)} |`,
    );
  }
  return `## Backup and restore (issue 4)

Measured by bench/backup.ts on ${date.toISOString().slice(0, 10)}.

**Data:** ${result.options.dataMiB} MiB of random hex text rows (one table with a primary key
and one index; about 2:1 compressible, like real text — pgbench data compresses ~50× and
would flatter everything), database size ${mib(result.databaseBytes)}, plus
${result.options.redisKeys.toLocaleString('en-US')} Redis keys with 100-byte values (RDB ${mib(result.rdbBytes)}).
Loading took ${result.loadSeconds.toFixed(0)} s (not part of any timing).

**Machine:** ${result.machine}. The store is the S3 API of s3rver (a Node.js S3-compatible
server) on loopback, started by the benchmark, so S3 numbers include its CPU on the same
machine. rolevisor runs the roles \`sql:redis\` as \`rolevisor run\` processes.

| | What | Time | Stored | Notes |
|---|---|---|---|---|
${rows.join('\n')}

### Goals

| Goal | Measured | Ratio | |
|---|---|---|---|
${goals.join('\n')}

### How each is measured
- **(a)** \`pg_dump -Fc -Z0\` of the database to /dev/null, as user postgres over the unix
  socket, after one warm-up run (the data is in the page cache for every measurement).
- **(b)** from \`kill -TERM\` to the exit of \`rolevisor run\`: the front services stop
  (none here), PostgreSQL (\`pg_dump -Fc -Z0 | zstd -1 -T0\`) and Redis (BGSAVE, the RDB through
  \`zstd -1\`) stream in parallel, each straight into an S3 multipart upload with its sha256
  computed on the way, the manifest is written last, retention runs, the services stop.
- **(c)** what docassemble does at shutdown: \`pg_dump -Fc\` (zlib level 6) into a temporary
  file, \`SAVE\` in Redis, then both files uploaded (same S3 client and server as (b)).
- **(d)** \`pg_restore --create\` (one job) of the default \`-Fc\` dump from a local file into a
  fresh cluster (default configuration, as rolevisor's).
- **(e)** from starting \`rolevisor run\` on empty data directories until every service is
  ready: the RDB is verified and placed, \`initdb\`, PostgreSQL starts, the dump streams from
  S3 (sha256 checked) through \`zstd -d\` into \`pg_restore --create\`. "service start" is the
  same boot with an empty store (row *start*), so (e) − start is the restore's cost.

### Compression: measured, then chosen
\`pg_dump -Fc -Z0 | zstd -1 -T0\` for the dumps and \`zstd -1\` for the RDB, from these runs
on the same data (1.07 GiB database, ~1 GB \`-Z0\` dump):

| Command | Time | Output |
|---|---|---|
| \`pg_dump -Fc -Z0 > /dev/null\` | 4.3–8.4 s | 1008 MB |
| \`pg_dump -Fc\` (zlib 6, the default) | 80.2 s | 588 MB |
| \`gzip -1\` of the \`-Z0\` dump | 29.5 s | 603 MB |
| \`zstd -1 -T0\` of the \`-Z0\` dump | 5.9–7.0 s | 515 MB |
| \`zstd -3 -T0\` | 30.0 s (piped) | 538 MB |
| \`zstd --fast=1..10\`, \`lz4\` | 2.6–6.3 s | 996–1015 MB (no entropy coding: hex text does not shrink) |
| \`zstd -1\` of a 109 MiB RDB (1 M keys) | 0.5 s | 54 MiB |

zstd -1 is the only one both faster than the network and smaller than the default dump;
\`-T0\` lets it use every core.

### Where the time of (b) goes, and the goal it misses
${
  bfs && az && a
    ? `On this machine (2 cores) the dump alone (a) already keeps both cores busy: PostgreSQL's
backend sends the rows and pg_dump writes them. Compressing and hashing the same stream in a
plain shell pipeline (row a-zstd, no Node.js, no store, no Redis) takes ${s(az)}, ${(az.seconds / a.seconds).toFixed(1)} × (a):
the 1.8 × (a) goal is below what compression costs on two cores before anything else runs.
rolevisor's backup to a local directory (b-fs, ${s(bfs)}) adds, on the same two cores, Redis'
BGSAVE (a forked process serialising the dataset) and its zstd, and Node.js moving ~1 GB
through its pipes, hashing and writing it; against S3 (b) the S3 server's own work (s3rver
parses, hashes and writes every byte in Node.js) runs on the same cores too. With more
cores, zstd -T0 and the parallel parts spread out; with a remote S3 the server's share
leaves the machine. Not met here; measured, not hidden.`
    : 'Needs rows a, a-zstd and b-fs.'
}
`;
}
