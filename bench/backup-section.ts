// The backup-and-restore section (issue 4): BENCH_DATA_MIB (default 1024) and
// BENCH_REDIS_KEYS (default 1000000) shrink it for a try.
import { runBackupBench } from './backup.js';
import { benchmarkMarkdown } from './report.js';
import type { BenchSection } from './sections.js';

export const backupSection: BenchSection = {
  name: 'backup',
  async run({ say }) {
    const dataMiB = Number(process.env.BENCH_DATA_MIB ?? 1024);
    const redisKeys = Number(process.env.BENCH_REDIS_KEYS ?? 1_000_000);
    const result = await runBackupBench({ dataMiB, redisKeys, stopTimeoutSec: 600, say });
    for (const m of result.measurements)
      say(`${m.key.padEnd(5)} ${m.seconds.toFixed(1).padStart(6)} s  ${m.what}${m.note ? ` (${m.note})` : ''}`);
    return benchmarkMarkdown(result);
  },
};
