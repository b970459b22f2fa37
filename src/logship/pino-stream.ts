// A pino destination that forwards each of rolevisor's own log lines and, optionally, passes
// it on (to stdout): createLogger({ destination: forwardingStream(forwarder, 'rolevisor', out) }).
import type { LogLevel } from './rfc5424.js';

export interface LineSink {
  send(program: string, level: LogLevel, message: string): void;
}

const NUMERIC: [number, LogLevel][] = [
  [60, 'fatal'],
  [50, 'error'],
  [40, 'warn'],
  [30, 'info'],
  [0, 'debug'],
];
const LABELS = new Set<string>(['debug', 'info', 'warn', 'error', 'fatal']);
/** Fields the syslog header already carries (or that say nothing there). */
const HEADER_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'service', 'stream']);

export function pinoLevel(value: unknown): LogLevel {
  if (typeof value === 'string') return LABELS.has(value) ? (value as LogLevel) : value === 'trace' ? 'debug' : 'info';
  if (typeof value === 'number') return (NUMERIC.find(([min]) => value >= min) ?? [0, 'debug'])[1];
  return 'info';
}

/** "msg {other fields as JSON}" from one pino JSON line; the raw line if it is not JSON. */
export function pinoMessage(line: string): { level: LogLevel; message: string; service?: string } {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { level: 'info', message: line };
  }
  if (!record || typeof record !== 'object') return { level: 'info', message: line };
  const rest = Object.fromEntries(Object.entries(record).filter(([key]) => !HEADER_FIELDS.has(key)));
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const extra = Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
  const service = typeof record.service === 'string' ? record.service : undefined;
  return { level: pinoLevel(record.level), message: [msg, extra].filter(Boolean).join(' ') || line, service };
}

export function forwardingStream(
  sink: LineSink,
  program: string,
  next?: { write(chunk: string): unknown },
): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      try {
        for (const line of String(chunk).split('\n')) {
          if (line.length === 0) continue;
          // A child's lines (logged with its service name) go out under that program name.
          const { level, message, service } = pinoMessage(line);
          sink.send(service ?? program, level, message);
        }
      } catch {
        // Forwarding is best effort; the local copy below still gets the line.
      }
      next?.write(chunk);
      return true;
    },
  };
}
