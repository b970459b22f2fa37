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
    'Against Debian\'s supervisord running the same services (its config written by bench/boot.ts from rolevisor\'s own rendering: the same commands, environments, users and ports; supervisord orders by priority and waits for nothing). Both on prepared data directories (a first boot initialised them); "serving" is until every TCP port answers and the demo app returns 200 through nginx.',
    '',
    '| | rolevisor | supervisord | rolevisor / supervisord |',
    '| --- | --- | --- | --- |',
    `| boot until serving | ${f(r.rvServes, 1, ' s')} | ${f(r.supServes, 1, ' s')} | ${f(r.rvOverSup)} × |`,
    `| the supervisor's own RSS | ${f(r.rvRssMiB, 1, ' MiB')} | ${f(r.supRssMiB, 1, ' MiB')} | |`,
    `| SIGTERM → exit (rolevisor backs up first; supervisord does not) | ${f(r.rvStopSec, 1, ' s')} | ${f(r.supStopSec, 1, ' s')} | |`,
    '',
    "Where the memory goes (role `all`, measured by hand on 2026-12-01 under load, with /proc/PID/smaps and the status server's heap metrics): about 31 MB of any Node 20 process is the node binary's own pages; of the rest, the young generation had grown to 32 MB under load before `--max-semi-space-size=1` (now 1 MB), the AWS SDK cost ~4.6 MB of heap and ~20 MB RSS before it was loaded only for an S3 store, prom-client ~1.7 MB of heap and ~12 MB RSS before it was loaded only at the first scrape of /metrics (a scraped host pays it), and ~20-25 MB of old-space heap remains: the code of the clients role `all` needs at once (pg, ioredis, amqplib, zod, execa, prom-client, pino: 1-3 MB heap each) and ~6 MB of node-binary pages that ICU touches for the backup schedule's time zone (croner formats dates with Intl in TIMEZONE).",
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
