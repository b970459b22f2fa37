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
    messageFormat: '{if service}{service}: {end}{msg}',
    singleLine: false,
  });
}
