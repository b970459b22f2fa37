// Which generations can restore a service: complete ones (a valid manifest), newest first,
// that hold parts of that kind stored with the sizes their manifest records. A generation
// whose part is missing or has the wrong size is passed over with the reason; one whose
// bytes turn out wrong while restoring is passed over then (restore-*.ts).
import type { GenerationScan, GenerationSummary } from '../generations/scan.js';
import type { PartInfo } from '../generations/manifest.js';

export interface Candidate {
  id: string;
  summary: GenerationSummary;
  /** The parts of the wanted kind. */
  parts: PartInfo[];
}

export interface CandidateList {
  usable: Candidate[];
  /** Generations with parts of this kind that cannot be used, and why. */
  skipped: { id: string; reason: string }[];
}

export function candidatesFor(scan: GenerationScan, kind: string): CandidateList {
  const list: CandidateList = { usable: [], skipped: [] };
  for (const summary of scan.complete) {
    const parts = summary.manifest.parts.filter((p) => p.kind === kind);
    if (parts.length === 0) continue;
    const sizes = new Map(summary.objects.map((o) => [o.key, o.size]));
    const bad = parts.find((p) => sizes.get(p.key) !== p.size);
    if (bad) {
      const stored = sizes.get(bad.key);
      list.skipped.push({
        id: summary.id,
        reason:
          stored === undefined
            ? `part "${bad.name}" is missing from the store`
            : `part "${bad.name}" has ${stored} bytes, the manifest says ${bad.size}`,
      });
      continue;
    }
    list.usable.push({ id: summary.id, summary, parts });
  }
  return list;
}
