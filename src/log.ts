// Structured JSON logs on stdout (pino), one child logger per service. Secret values are
// scrubbed from every line, including the lines that children print.
import { pino, type Logger } from 'pino';

export type { Logger };

let secretValues: string[] = [];

/** Registers values (passwords, keys) that must never appear in a log line. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  const next = new Set(secretValues);
  for (const value of values) {
    // Very short values would mask ordinary words; settings reject nothing for it, but
    // masking "a" everywhere would make logs unreadable.
    if (value && value.length >= 4) next.add(value);
  }
  // Longest first, so a secret that contains another is masked whole.
  secretValues = [...next].sort((a, b) => b.length - a.length);
}

export function redact(text: string): string {
  let out = text;
  for (const value of secretValues) {
    if (out.includes(value)) out = out.split(value).join('***');
  }
  return out;
}

function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  }
  if (value instanceof Error) return { type: value.name, message: redact(value.message) };
  return value;
}

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(redactDeep) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
