// Turns SIGTERM/SIGINT into one shutdown request. Repeated signals do not cut a stop short
// (the backup must finish); they are logged so an operator sees they arrived.
import type { Logger } from '../log.js';

export interface ShutdownRequest {
  signal: NodeJS.Signals;
  at: number;
}

export function onShutdownSignal(log: Logger, handler: (request: ShutdownRequest) => void): () => void {
  let first: ShutdownRequest | undefined;
  const listener = (signal: NodeJS.Signals) => {
    if (first) {
      log.warn(
        `received ${signal} again; the stop that began with ${first.signal} continues (backup first, then exit)`,
      );
      return;
    }
    first = { signal, at: Date.now() };
    log.info(`received ${signal}: stopping`);
    handler(first);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  for (const s of signals) process.on(s, listener);
  // A hang-up of the controlling terminal must not kill the container.
  const hup = () => log.info('received SIGHUP; ignored');
  process.on('SIGHUP', hup);
  return () => {
    for (const s of signals) process.off(s, listener);
    process.off('SIGHUP', hup);
  };
}
