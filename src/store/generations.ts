// Reading generations: which exist (those with a valid manifest), newest first; streaming
// a part back while proving its size and sha256; verifying a whole generation.
import { pipeline } from 'node:stream';
import { Writable, type Readable } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { RolevisorError } from '../errors.js';
import { verifyingStream } from './digest.js';
import { generationTime, isGenerationId } from './generation-id.js';
import { GENERATIONS_PREFIX, manifestKey, parseManifest, partKey, type Manifest, type PartInfo } from './manifest.js';
import { isNotFound, type ListedObject, type Store } from './store.js';

export { beginGeneration, GenerationWriter, type GenerationMeta, type PartOptions } from './generation-writer.js';
export { pruneGenerations, type PruneOptions, type PruneResult } from './generation-prune.js';

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
      scan.broken.push({ id, time, reason: error instanceof Error ? error.message : String(error), objects });
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

function restoreError(manifest: Manifest, part: PartInfo, message: string, cause?: unknown): RolevisorError {
  return new RolevisorError('RV_RESTORE_FAILED', `generation ${manifest.id}, part "${part.name}": ${message}`, {
    cause,
  });
}

/**
 * Streams a part back. The stream ends with an RV_RESTORE_FAILED error (naming the generation
 * and part) if the bytes differ from the manifest in size or sha256: a consumer must treat
 * the data as unusable unless the stream ends without error.
 */
export async function readPart(store: Store, manifest: Manifest, part: PartInfo): Promise<Readable> {
  const listed = manifest.parts.find((p) => p.name === part.name);
  if (!listed || listed.key !== part.key || part.key !== partKey(manifest.id, part.name)) {
    throw restoreError(manifest, part, `the part is not in the manifest (key ${part.key})`);
  }
  let source: Readable;
  try {
    source = await store.get(listed.key);
  } catch (error) {
    if (isNotFound(error))
      throw restoreError(manifest, part, `the object ${listed.key} is missing from the store`, error);
    throw restoreError(
      manifest,
      part,
      `cannot read ${listed.key}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const verifier = verifyingStream(listed, (actual) =>
    restoreError(
      manifest,
      part,
      actual.size !== listed.size
        ? `size mismatch: read ${actual.size} bytes, the manifest says ${listed.size}; the part is damaged`
        : `sha256 mismatch: read ${actual.sha256}, the manifest says ${listed.sha256}; the part is damaged`,
    ),
  );
  return pipeline(source, verifier, () => undefined);
}

export interface VerifyResult {
  id: string;
  ok: boolean;
  /** One line per damaged or missing part. */
  problems: string[];
}

const discard = (): Writable => new Writable({ write: (_chunk, _encoding, callback) => callback() });

/** Reads every part in full and checks it against the manifest. */
export async function verifyGeneration(store: Store, manifest: Manifest): Promise<VerifyResult> {
  const problems: string[] = [];
  for (const part of manifest.parts) {
    try {
      await pipelinePromise(await readPart(store, manifest, part), discard());
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { id: manifest.id, ok: problems.length === 0, problems };
}

/** Whether every part the manifest lists is stored with its recorded size (no data read). */
export function partsPresent(summary: GenerationSummary): boolean {
  const sizes = new Map(summary.objects.map((o) => [o.key, o.size]));
  return summary.manifest.parts.every((p) => sizes.get(p.key) === p.size);
}
