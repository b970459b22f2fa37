// S3 multipart uploads allow at most 10,000 parts, and lib-storage holds queueSize parts in
// memory: parts as small as possible, but big enough for the size we know or expect.
export const MIN_PART_SIZE = 8 * 1024 * 1024;
export const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;
/** Aim below the hard limit. */
const TARGET_PARTS = 9_000;
/** Dumps grow between the estimate and the stop: size for half as much again. */
const EXPECTED_SIZE_MARGIN = 1.5;

/**
 * The part size for an upload of `size` bytes (exact) or about `expectedSize` bytes. With
 * neither, MIN_PART_SIZE: objects up to about 78 GiB.
 */
export function choosePartSize(size?: number, expectedSize?: number): number {
  const basis = size ?? (expectedSize === undefined ? undefined : expectedSize * EXPECTED_SIZE_MARGIN);
  if (basis === undefined || !Number.isFinite(basis) || basis <= 0) return MIN_PART_SIZE;
  const needed = Math.ceil(Math.ceil(basis / TARGET_PARTS) / MIB) * MIB;
  return Math.max(MIN_PART_SIZE, needed);
}
