// The web-tier section (issue 15): BENCH_WEB_SEC (default 15) seconds of wrk per shape,
// BENCH_WEB_CONNECTIONS (default 16) connections, N = BENCH_WEB_PROCESSES (default 4).
import type { BenchSection } from './sections.js';
import { runWebBench, type WebBenchResult } from './web.js';

export function webMarkdown(r: WebBenchResult, date = new Date()): string {
  const rows = r.runs.map(
    (run) => `| ${run.shape} | ${run.requestsPerSec.toFixed(0)} | ${run.p99Ms.toFixed(1)} ms | ${run.errors} |`,
  );
  const trace = (xs: number[]) => xs.join(' ');
  return [
    '## The web tier inside one host (issue 15)',
    '',
    `Measured ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${r.load.before.toFixed(1)} before and ${r.load.after.toFixed(1)} after. Role \`all\` under rolevisor, one boot per shape; \`wrk --latency -t ${r.wrkThreads} -c ${r.connections} -d ${r.durationSec}s\` on loopback against the demo app's \`GET /api/state\` through nginx (a PostgreSQL query and a Redis read per request), after a 2 s warm-up. wrk runs on the same 2 cores as everything else, so the numbers compare shapes with each other, not with other machines.`,
    '',
    '| uwsgi shape | requests/s | p99 latency | errors |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `Cheaper mode (${r.cheaperShape}): worker processes every 0.5 s while wrk ran: ${trace(r.cheaper.underLoad)}; then idle: ${trace(r.cheaper.idle)} (back to the minimum after ${r.cheaper.idleSecondsToMin?.toFixed(1) ?? 'more than 60'} s).`,
    '',
  ].join('\n');
}

export const webSection: BenchSection = {
  name: 'web',
  async run({ say, full }) {
    const durationSec = Number(process.env.BENCH_WEB_SEC ?? (full ? 15 : 4));
    const connections = Number(process.env.BENCH_WEB_CONNECTIONS ?? 16);
    const n = String(process.env.BENCH_WEB_PROCESSES ?? 4);
    const shape = (label: string, env: Record<string, string>) => ({ label, env });
    const shapes = [
      shape('1 process × 1 thread', { UWSGIPROCESSES: '1', UWSGITHREADS: '1' }),
      shape(`${n} processes × 1 thread`, { UWSGIPROCESSES: n, UWSGITHREADS: '1' }),
      shape(`${n} processes × 2 threads`, { UWSGIPROCESSES: n, UWSGITHREADS: '2' }),
    ];
    const cheaperShape = shape(`1 to ${n} processes × 1 thread`, { UWSGIPROCESSES: n, UWSGICHEAPER: '1' });
    return webMarkdown(await runWebBench({ shapes, cheaperShape, durationSec, connections, say }));
  },
};
