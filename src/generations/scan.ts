// Which generations exist (those with a valid manifest), newest first, and which are
// broken or incomplete: one listing of the store, one read of each manifest.
import { errorMessage } from '../errors.js';
import type { ListedObject, Store } from '../store/store.js';
import { generationTime, isGenerationId } from './id.js';
import { GENERATIONS_PREFIX, manifestKey, parseManifest, type Manifest } from './manifest.js';

export interface GenerationSummary {
  id: string;
  time: Date;
  manifest: Manifest;
  /** Sum of the parts' sizes. */
  totalBytes: number;
  /** The objects stored under the generation (parts and manifest). */
  objects: ListedObject[];
}

export interface GenerationScan {
  /** Valid manifests, newest first. */
  complete: GenerationSummary[];
  /** A manifest that cannot be parsed or does not fit its generation: never used. */
  broken: { id: string; time: Date; reason: string; objects: ListedObject[] }[];
  /** No manifest: a backup in progress, or one that died. */
  incomplete: { id: string; time: Date; lastModified: Date; objects: ListedObject[] }[];
}

const byIdNewestFirst = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Groups everything under generations/ by generation; keys that are not ours are ignored. */
export async function scanGenerations(store: Store): Promise<GenerationScan> {
  const groups = new Map<string, ListedObject[]>();
  for (const object of await store.list(GENERATIONS_PREFIX)) {
    const id = object.key.slice(GENERATIONS_PREFIX.length).split('/')[0] ?? '';
    if (!isGenerationId(id)) continue;
    groups.set(id, [...(groups.get(id) ?? []), object]);
  }
  const scan: GenerationScan = { complete: [], broken: [], incomplete: [] };
  for (const [id, objects] of groups) {
    const time = generationTime(id) as Date;
    if (!objects.some((o) => o.key === manifestKey(id))) {
      const lastModified = new Date(Math.max(...objects.map((o) => o.modified.getTime())));
      scan.incomplete.push({ id, time, lastModified, objects });
      continue;
    }
    try {
      const text = await store.getText(manifestKey(id));
      if (text === undefined) continue; // deleted while we looked
      const manifest = parseManifest(text, id);
      const totalBytes = manifest.parts.reduce((sum, p) => sum + p.size, 0);
      scan.complete.push({ id, time, manifest, totalBytes, objects });
    } catch (error) {
      scan.broken.push({ id, time, reason: errorMessage(error), objects });
    }
  }
  scan.complete.sort(byIdNewestFirst);
  scan.broken.sort(byIdNewestFirst);
  scan.incomplete.sort(byIdNewestFirst);
  return scan;
}

/** The generations that exist (a valid manifest), newest first. */
export async function listGenerations(store: Store): Promise<GenerationSummary[]> {
  return (await scanGenerations(store)).complete;
}
