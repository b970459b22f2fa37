// The forwarder a host needs, from settings: none when LOGSERVER=null or no log server is
// known (the caller passes a discovered one, e.g. Endpoints.logServer, when there is one).
import { hostname } from 'node:os';
import type { Settings } from '../settings/types.js';
import { LogForwarder, type LogForwarderOptions } from './forwarder.js';

export function logForwarderFor(
  settings: Settings,
  server: string | undefined = settings.log.server,
  options: Partial<Omit<LogForwarderOptions, 'server' | 'defaultPort'>> = {},
): LogForwarder | undefined {
  if (settings.log.forwardingDisabled || !server) return undefined;
  return new LogForwarder({
    server,
    defaultPort: settings.log.port,
    // SERVERHOSTNAME names this host to the others; the kernel's name otherwise.
    hostname: settings.network.serverHostname ?? hostname(),
    ...options,
  });
}
