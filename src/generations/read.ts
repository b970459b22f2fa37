// Reading a generation back: streaming a part while proving its size and sha256, verifying
// a whole generation, and checking from a listing alone that every part is stored.
import { pipeline } from 'node:stream';
import { Writable, type Readable } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { catalogError, errorMessage } from '../errors.js';
import { isNotFound, type Store } from '../store/store.js';
import { verifyingStream } from './digest.js';
import { partKey, type Manifest, type PartInfo } from './manifest.js';
import type { GenerationSummary } from './scan.js';

/**
 * Streams a part back. The stream ends with an RV_RESTORE_FAILED error (naming the generation
 * and part) if the bytes differ from the manifest in size or sha256: a consumer must treat
 * the data as unusable unless the stream ends without error.
 */
export async function readPart(store: Store, manifest: Manifest, part: PartInfo): Promise<Readable> {
  const listed = manifest.parts.find((p) => p.name === part.name);
  if (!listed || listed.key !== part.key || part.key !== partKey(manifest.id, part.name)) {
    throw catalogError('RV_RESTORE_FAILED', 'partNotListed', { id: manifest.id, part: part.name, key: part.key });
  }
  let source: Readable;
  try {
    source = await store.get(listed.key);
  } catch (error) {
    const where = { id: manifest.id, part: part.name, key: listed.key };
    if (isNotFound(error)) throw catalogError('RV_RESTORE_FAILED', 'partMissing', where, { cause: error });
    throw catalogError(
      'RV_RESTORE_FAILED',
      'partUnreadable',
      { ...where, reason: errorMessage(error) },
      { cause: error },
    );
  }
  const verifier = verifyingStream(listed, (actual) =>
    actual.size !== listed.size
      ? catalogError('RV_RESTORE_FAILED', 'sizeMismatch', {
          id: manifest.id,
          part: part.name,
          read: actual.size,
          expected: listed.size,
        })
      : catalogError('RV_RESTORE_FAILED', 'digestMismatch', {
          id: manifest.id,
          part: part.name,
          read: actual.sha256,
          expected: listed.sha256,
        }),
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
      problems.push(errorMessage(error));
    }
  }
  return { id: manifest.id, ok: problems.length === 0, problems };
}

/** Whether every part the manifest lists is stored with its recorded size (no data read). */
export function partsPresent(summary: GenerationSummary): boolean {
  const sizes = new Map(summary.objects.map((o) => [o.key, o.size]));
  return summary.manifest.parts.every((p) => sizes.get(p.key) === p.size);
}
