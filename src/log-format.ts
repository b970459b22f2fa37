// Where rolevisor's log lines go on stdout, in which shape: JSON (one object per line, for
// docker logs, ECS, Kubernetes and log shippers) or, for a person at a terminal, one
// readable line per event (time, service, level, message; colours) through pino-pretty,
// which is loaded only then. LOGFORMAT=auto (the default) picks pretty when stdout is a TTY.
import { pino } from 'pino';

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LineDestination {
  write(chunk: string): unknown;
}

export function wantsPretty(format: LogFormat, isTty: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && isTty);
}

// C0 controls but tab and newline (a child's escape sequences must not drive the terminal).
// eslint-disable-next-line no-control-regex
const UNSAFE_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * One event's message for a person: "service: message", the continuation lines of a
 * child's multi-line message (an Erlang report, a Python traceback) indented under it, so
 * that every line starting at the margin is an event of its own.
 */
export function prettyMessage(log: Record<string, unknown>, messageKey = 'msg'): string {
  const service = typeof log.service === 'string' ? `${log.service}: ` : '';
  const raw = log[messageKey];
  const msg = (typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw))
    .replace(UNSAFE_CONTROLS, '')
    .replace(/\n+$/, '');
  return `${service}${msg.replace(/\n/g, '\n    ')}`;
}

/** stdout as JSON lines, or as pretty lines when `format` (and the terminal) asks for it. */
export async function consoleDestination(
  format: LogFormat,
  isTty = process.stdout.isTTY === true,
): Promise<LineDestination> {
  if (!wantsPretty(format, isTty)) return pino.destination({ fd: 1, sync: true });
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: 1,
    sync: true,
    colorize: isTty,
    translateTime: 'UTC:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,service,stream',
    messageFormat: (log, messageKey) => prettyMessage(log, messageKey),
    // The event's other fields on its own line, as compact JSON, not one line per field.
    singleLine: true,
  });
}
