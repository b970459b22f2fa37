// `rolevisor generations [--verify] [--json]`: the backups in the store, newest first. By
// default "verified" compares each stored part's size with its manifest (a listing, no
// download); --verify reads every part and checks its sha256.
import { EXIT } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { partsPresent, verifyGeneration } from '../generations/read.js';
import { scanGenerations, type GenerationSummary } from '../generations/scan.js';
import { createStore } from '../store/create.js';
import { closeStore } from '../backup/store-check.js';
import { formatBytes } from '../util/progress.js';
import { formatWindow, restorableWindow } from '../backup/wal/window.js';

export interface GenerationRow {
  id: string;
  time: string;
  host: string;
  roles: string[];
  bytes: number;
  parts: { name: string; size: number; kind?: string }[];
  check: 'sizes' | 'sha256';
  verified: boolean;
  problems: string[];
}

async function rowOf(
  summary: GenerationSummary,
  verify: boolean,
  store: Parameters<typeof verifyGeneration>[0],
): Promise<GenerationRow> {
  const { manifest } = summary;
  let verified: boolean;
  let problems: string[] = [];
  if (verify) {
    const result = await verifyGeneration(store, manifest);
    verified = result.ok;
    problems = result.problems;
  } else {
    verified = partsPresent(summary);
    if (!verified) problems = ['a part is missing or has the wrong size'];
  }
  return {
    id: summary.id,
    time: manifest.time,
    host: manifest.host,
    roles: manifest.roles,
    bytes: summary.totalBytes,
    parts: manifest.parts.map((p) => ({ name: p.name, size: p.size, kind: p.kind })),
    check: verify ? 'sha256' : 'sizes',
    verified,
    problems,
  };
}

export function formatGenerations(rows: GenerationRow[], incomplete: number, broken: number): string {
  const table = [['ID', 'TIME', 'HOST', 'SIZE', 'PARTS', 'VERIFIED']];
  for (const r of rows) {
    table.push([
      r.id,
      r.time.replace(/\.\d+Z$/, 'Z'),
      r.host,
      formatBytes(r.bytes),
      String(r.parts.length),
      r.verified ? `${r.check} ok` : `DAMAGED (${r.check})`,
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const lines = table.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  for (const r of rows) for (const p of r.problems) lines.push(`  ${r.id}: ${p}`);
  if (rows.length === 0) lines.push('(no generations)');
  if (incomplete > 0)
    lines.push(`${incomplete} interrupted backup(s) without a manifest (not generations; retention removes them)`);
  if (broken > 0) lines.push(`${broken} generation(s) with an unusable manifest`);
  return `${lines.join('\n')}\n`;
}

export async function generationsCommand(
  settings: Settings,
  options: { verify: boolean; json: boolean },
  out: NodeJS.WritableStream,
  log: Logger,
): Promise<number> {
  const store = await createStore(settings, log);
  try {
    await store.check();
    const scan = await scanGenerations(store);
    const rows: GenerationRow[] = [];
    for (const summary of scan.complete) rows.push(await rowOf(summary, options.verify, store));
    const window = await restorableWindow(store, scan);
    if (options.json) {
      out.write(
        `${JSON.stringify({ store: store.describe(), window, generations: rows, incomplete: scan.incomplete.map((g) => g.id), broken: scan.broken.map((g) => ({ id: g.id, reason: g.reason })) }, null, 2)}\n`,
      );
    } else {
      out.write(
        `store: ${store.describe()}\n${formatGenerations(rows, scan.incomplete.length, scan.broken.length)}${formatWindow(window)}`,
      );
    }
    return options.verify && rows.some((r) => !r.verified) ? EXIT.restoreFailed : EXIT.ok;
  } finally {
    closeStore(store);
  }
}
