// `npm run bench [-- SECTION…]`: runs every bench section (or the named ones) and writes
// their results into docs/benchmarks.md, keeping the sections not run as they were.
// BENCH_SMALL=1 asks the sections for a quick try: the page is then printed, not written.
import { readFile, writeFile } from 'node:fs/promises';
import { mergePage } from './page.js';
import { SECTIONS } from './sections.js';

const PAGE = new URL('../docs/benchmarks.md', import.meta.url);
const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`bench: unknown section ${unknown.join(', ')} (known: ${SECTIONS.map((s) => s.name).join(', ')})`);
  process.exit(64);
}
const full = process.env.BENCH_SMALL !== '1';
const results = new Map<string, string>();
for (const section of SECTIONS.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
  say(`section ${section.name}`);
  results.set(section.name, await section.run({ say, full }));
}
const previous = await readFile(PAGE, 'utf8').catch(() => '');
const page = mergePage(
  previous,
  results,
  SECTIONS.map((s) => s.name),
);
if (full) {
  await writeFile(PAGE, page);
  say('wrote docs/benchmarks.md');
} else {
  console.log(page);
}
say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
