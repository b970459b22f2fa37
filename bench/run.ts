// `npm run bench`: the backup benchmark, written to docs/benchmarks.md.
//   BENCH_DATA_MIB (default 1024) and BENCH_REDIS_KEYS (default 1000000) shrink it for a try;
//   results are written to docs/benchmarks.md only at full size (or with BENCH_WRITE=1).
import { writeFile } from 'node:fs/promises';
import { runBackupBench } from './backup.js';
import { benchmarkMarkdown } from './report.js';

const dataMiB = Number(process.env.BENCH_DATA_MIB ?? 1024);
const redisKeys = Number(process.env.BENCH_REDIS_KEYS ?? 1_000_000);
const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const result = await runBackupBench({ dataMiB, redisKeys, stopTimeoutSec: 600, say });
for (const m of result.measurements)
  say(`${m.key.padEnd(5)} ${m.seconds.toFixed(1).padStart(6)} s  ${m.what}${m.note ? ` (${m.note})` : ''}`);
const markdown = benchmarkMarkdown(result);
if (process.env.BENCH_WRITE === '1' || (dataMiB >= 1024 && redisKeys >= 1_000_000)) {
  await writeFile(new URL('../docs/benchmarks.md', import.meta.url), markdown);
  say('wrote docs/benchmarks.md');
} else {
  console.log(markdown);
}
say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
