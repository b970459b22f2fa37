// rolevisor run's own logger: JSON (or, at a terminal, readable) lines on stdout and, unless disabled, forwarded to
// LOGSERVER or to the log server discovery finds later (its early lines wait for it).
import { createLogger, type Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { consoleDestination } from '../log-format.js';
import { forwardingStream } from './pino-stream.js';
import { SwitchableSink } from './switchable.js';

export interface ContainerLog {
  log: Logger;
  /** Pointed at the log server once it is known; undefined when forwarding is off. */
  forwarding: SwitchableSink | undefined;
}

export async function containerLog(settings: Settings): Promise<ContainerLog> {
  const stdout = await consoleDestination(settings.logFormat);
  const forwarding = settings.log.forwardingDisabled
    ? undefined
    : // The forwarder is loaded only on a host that forwards.
      new SwitchableSink(async (server) => (await import('./from-settings.js')).logForwarderFor(settings, server));
  const log = createLogger({
    level: settings.logLevel,
    destination: forwarding ? forwardingStream(forwarding, 'rolevisor', stdout) : stdout,
  });
  return { log, forwarding };
}
