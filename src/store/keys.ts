// Store keys are '/'-separated relative names. Anything that could escape the store's
// root (a local directory or a bucket prefix) or that S3 and a file system would read
// differently is refused here, once, for both stores.
import { catalogError, RolevisorError } from '../errors.js';

/** Temporary files of the local store carry this marker; keys may not. */
export const TEMP_MARKER = '.rv-tmp-';

const MAX_KEY_BYTES = 1024; // S3's limit
const MAX_SEGMENT_BYTES = 200; // file names are limited to 255 bytes; leave room for the temp suffix
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function invalid(what: string, value: string, reason: string): RolevisorError {
  // A bad key is a caller's bug (or a tampered manifest), never a user setting.
  return catalogError('RV_STORE_KEY_INVALID', 'refused', { what, value, reason });
}

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'it has an empty segment (leading, trailing or doubled "/")';
  if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  if (segment.includes(TEMP_MARKER)) return `"${TEMP_MARKER}" is reserved for temporary files`;
  if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return `a segment is longer than ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

function commonProblem(value: string): string | undefined {
  if (value.startsWith('/')) return 'it is absolute (starts with "/")';
  if (value.includes('\\')) return 'it contains a backslash';
  if (value.includes('\0')) return 'it contains a NUL byte';
  if (CONTROL.test(value)) return 'it contains a control character';
  if (Buffer.byteLength(value) > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  return undefined;
}

/** Returns the key unchanged when it is a safe relative name, else throws. */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key === '') throw invalid('key', String(key), 'it is empty');
  const problem = commonProblem(key) ?? key.split('/').map(segmentProblem).find(Boolean);
  if (problem) throw invalid('key', key, problem);
  return key;
}

/**
 * A listing prefix: '' (everything), a directory-like 'generations/', or a partial name
 * 'generations/2026'. Same rules as a key, except that it may be empty or end in '/' and
 * its last segment may be partial.
 */
export function validatePrefix(prefix: string): string {
  if (typeof prefix !== 'string') throw invalid('prefix', String(prefix), 'it is not a string');
  if (prefix === '') return prefix;
  const problem =
    commonProblem(prefix) ??
    prefix
      .split('/')
      .map((segment, index, all) => (index === all.length - 1 && segment === '' ? undefined : segmentProblem(segment)))
      .find(Boolean);
  if (problem) throw invalid('prefix', prefix, problem);
  return prefix;
}

/** Joins key segments with '/', validating the result. */
export function joinKey(...segments: string[]): string {
  return validateKey(segments.join('/'));
}
