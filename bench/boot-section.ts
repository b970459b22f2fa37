// The boot section (issue 15): BENCH_BOOT_RUNS (default 3) alternating runs of each side,
// BENCH_BOOT_SETTLE_SEC (default 20) after ready before the RSS is read.
import { runBootBench, type BootBenchResult, type Stats } from './boot.js';
import type { BenchSection } from './sections.js';

const f = (s: Stats, digits = 2, unit = '') =>
  `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}${unit}`;
const met = (ok: boolean) => (ok ? '**met**' : '**not met**');

export function bootMarkdown(r: BootBenchResult, date = new Date()): string {
  return [
    '## Boot, footprint and stop (issue 15)',
    '',
    `Measured ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${r.runs} alternating runs of each side, load average ${r.load.before.toFixed(1)} before and ${r.load.after.toFixed(1)} after (a busy machine stretches every time here; the ratios, taken pair by pair, suffer least). Values are min / median / max. Services of role \`all\`: ${r.services.join(', ')}.`,
    '',
    '| Goal | Measured | |',
    '| --- | --- | --- |',
    `| role \`all\` ready within 1.3 × role \`rabbitmq\` alone (fresh data directories, same run) | ${f(r.allOverRabbit)} × (all ${f(r.freshAllReady, 1, ' s')}; rabbitmq ${f(r.freshRabbitReady, 1, ' s')}) | ${met(r.allOverRabbit.median <= 1.3)} |`,
    `| rolevisor's RSS ≤ 60 MB steady in role \`all\`, local store (${r.settleSec} s after ready) | ${f(r.rvRssMiB, 1, ' MiB')} | ${met(r.rvRssMiB.median <= 60)} |`,
    '',
    "The boot's critical path was RabbitMQ (~5 s alone, most of it the Erlang VM and RabbitMQ's own boot steps), then uwsgi and Celery, which waited for it (~2 s each), then nginx. Now uwsgi and Celery start alongside RabbitMQ (`starts_with` in roles/web.yml and roles/celery.yml): Celery's Python imports the app while the broker boots and connects with 0.1 s retries, and is called ready only when the broker says its consumer is registered; what remains after RabbitMQ's ready is Celery's consume and the probe. RabbitMQ itself was left as it is: the ratio divides by it, and a faster RabbitMQ speeds both sides.",
    '',
    'Against Debian\'s supervisord running the same services (its config written by bench/boot.ts from rolevisor\'s own rendering: the same commands, environments, users and ports; supervisord orders by priority and waits for nothing). Both on prepared data directories (a first boot initialised them); "serving" is until every TCP port answers and the demo app returns 200 through nginx.',
    '',
    '| | rolevisor | supervisord | rolevisor / supervisord |',
    '| --- | --- | --- | --- |',
    `| boot until serving | ${f(r.rvServes, 1, ' s')} | ${f(r.supServes, 1, ' s')} | ${f(r.rvOverSup)} × |`,
    `| the supervisor's own RSS | ${f(r.rvRssMiB, 1, ' MiB')} | ${f(r.supRssMiB, 1, ' MiB')} | |`,
    `| SIGTERM → exit (rolevisor backs up first; supervisord does not) | ${f(r.rvStopSec, 1, ' s')} | ${f(r.supStopSec, 1, ' s')} | |`,
    `| a bare \`node\` with the same flags and environment, running nothing (the floor) | ${f(r.bareNodeMiB, 1, ' MiB')} | | |`,
    '',
    `The machine is shared (2 cores, several other sessions building and testing at the same time: the load average above); boot times stretch with it, RSS much less. The lead may rerun this section on a quiet machine.`,
    '',
    "Where rolevisor's memory goes and what each saving was (role `all`, local store, 15-20 s after ready, from /proc/PID/smaps, `process.memoryUsage()` and `v8.getHeapSpaceStatistics()`, measured by hand on 2026-12-01/02 under load, single runs unless a pair is given):",
    '',
    '| | before | after | how |',
    '| --- | --- | --- | --- |',
    "| malloc arenas (anonymous RSS) | 53.7, 48.8 MB | 33.0, 39.0 MB | `MALLOC_ARENA_MAX=2`: glibc gave each of V8's and libuv's threads an arena of its own whose freed pages stayed resident (A/B pairs, same code). Set by the bin's first line (`env -S`), `npm start`, the image's `ENV` and this bench; a test keeps them equal |",
    "| node binary pages touched (file RSS) | 51.0 MB | 44.0 MB | no Intl at all: the TIMEZONE check asks tzdata first and the backup schedule runs croner in local time with the process's own TZ set to TIMEZONE (`Intl.DateTimeFormat` paged in ~5 MB of ICU data), the roles sort by code point (`localeCompare`: ~2 MB of collation data) |",
    "| undici + its WebAssembly parser | loaded | not loaded | on Node 20 pg's Cloudflare check built a fetch `Response` (~4 MB in a bare node); a `navigator` as Node 21+ has, imported first |",
    '| young generation | up to 32 MB | 1-3 MB | `--max-semi-space-size=1` (earlier; the bin now has it too) |',
    '| AWS SDK, Azure SDK, prom-client, log forwarder | ~20 + ~12 MB | not loaded | loaded only when used (earlier; a test checks role `all` never loads them) |',
    '',
    "What stands in the way of 60 MB: a bare Node 20 with the same flags is the floor in the table above (~40 MB: ~34 MB of them the node binary's own pages); on top of it role `all` needs at once PostgreSQL's, Redis' and AMQP's clients, zod, pino, execa and js-yaml (old space ~16 MB used, code space ~2 MB, 3.4 MB of script sources), which also page in ~10 MB more of the binary's compiler and builtins. Measured one at a time in a bare node: ioredis +8 MB over the others, zod +11.6 MB, pg +15 MB (with undici), execa +15 MB, pino +8.4 MB, js-yaml +6.4 MB (they overlap: the shared part is V8's own code pages). Next cuts, not made: the Redis probe and snapshot shipper on a small RESP client instead of ioredis, and loading zod only for the settings' validation.",
    '',
  ].join('\n');
}

export const bootSection: BenchSection = {
  name: 'boot',
  async run({ say, full }) {
    const runs = Number(process.env.BENCH_BOOT_RUNS ?? (full ? 3 : 1));
    const settleSec = Number(process.env.BENCH_BOOT_SETTLE_SEC ?? (full ? 20 : 5));
    return bootMarkdown(await runBootBench({ runs, settleSec, say }));
  },
};
