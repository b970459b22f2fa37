// A child's output, line by line, into its logger. Programs print their own level words;
// a guess from them keeps errors visible without parsing every program's format.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export type LineLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const PATTERNS: [RegExp, LineLevel][] = [
  [/\b(FATAL|PANIC|CRITICAL|EMERG(ENCY)?|ALERT)\b/i, 'fatal'],
  [/\b(ERROR|ERR|\[error\]|\[crit\])\b/i, 'error'],
  [/\b(WARN(ING)?|\[warn\])\b/i, 'warn'],
  [/\b(DEBUG)\b/, 'debug'],
];

export function guessLevel(line: string): LineLevel {
  for (const [pattern, level] of PATTERNS) if (pattern.test(line)) return level;
  return 'info';
}

/** Calls `onLine` for every line of `stream`; long lines are cut so one line can't eat memory. */
export function readLines(
  stream: Readable | null | undefined,
  onLine: (line: string) => void,
  maxLength = 16_384,
): void {
  if (!stream) return;
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  reader.on('line', (line) => {
    if (line.length === 0) return;
    onLine(
      line.length > maxLength ? `${line.slice(0, maxLength)}… (${line.length - maxLength} more characters)` : line,
    );
  });
}
