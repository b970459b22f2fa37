// When a caller states a body's exact size, a body that turns out shorter or longer fails
// the stream before its end is seen, so the store never commits a truncated object.
import { Transform, type TransformCallback } from 'node:stream';

/** With expected undefined it only passes bytes through. */
export function sizeGuard(key: string, expected: number | undefined): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (expected !== undefined && bytes > expected)
        callback(new Error(`body of "${key}" is longer than its stated size ${expected}`));
      else callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (expected !== undefined && bytes !== expected)
        callback(new Error(`body of "${key}" ended after ${bytes} bytes; its stated size is ${expected}`));
      else callback();
    },
  });
}
