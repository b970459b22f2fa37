// Generation ids sort as strings in time order (UTC, fixed width) and carry a random tail
// so two hosts backing up in the same millisecond never share a prefix.
import { randomBytes } from 'node:crypto';

const ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-[0-9a-f]{4}$/;

/** e.g. 20261123T152107.123Z-3fa9 */
export function newGenerationId(time: Date = new Date()): string {
  const stamp = time.toISOString().replace(/[-:]/g, ''); // 20261123T152107.123Z
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export function isGenerationId(id: string): boolean {
  return generationTime(id) !== undefined;
}

/** The time encoded in an id, or undefined when it is not a generation id. */
export function generationTime(id: string): Date | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  const time = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
