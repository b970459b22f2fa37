// sha256 and byte count computed while a part streams through, in either direction: on the
// way in (to write the manifest) and on the way out (to prove a part is what was written).
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface Digest {
  size: number;
  sha256: string;
}

/** Passes bytes through unchanged; digest() is valid once the stream has ended. */
export class HashingStream extends Transform {
  #hash = createHash('sha256');
  #size = 0;
  #digest: Digest | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = { size: this.#size, sha256: this.#hash.digest('hex') };
    callback();
  }

  digest(): Digest {
    if (!this.#digest) throw new Error('digest() called before the stream ended');
    return this.#digest;
  }
}

/**
 * Passes bytes through and fails the stream if they turn out to differ from `expected`:
 * as soon as there are too many bytes, else at the end. The error comes from `mismatch`,
 * so the caller can name what was being read.
 */
export function verifyingStream(expected: Digest, mismatch: (actual: Digest) => Error): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      size += chunk.length;
      if (size > expected.size) {
        callback(mismatch({ size, sha256: '(not computed: longer than expected)' }));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = { size, sha256: hash.digest('hex') };
      if (actual.size !== expected.size || actual.sha256 !== expected.sha256) callback(mismatch(actual));
      else callback();
    },
  });
}
