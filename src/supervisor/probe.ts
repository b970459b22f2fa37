// Waits for a service's readiness probe to pass, with a deadline and messages that say
// what is awaited and why it is not ready yet.
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';

export interface WaitOptions {
  name: string;
  probe: (signal: AbortSignal) => Promise<void>;
  timeoutMs: number;
  /** Resolves if the program exits while we wait. */
  exited: Promise<'exited'>;
  abort: AbortSignal;
  log: Logger;
  /** How often the "still waiting" line is logged. */
  reportEveryMs?: number;
}

// Both remove what they add to the long-lived `abort` signal: a service probed every 250 ms
// for seconds (one started alongside RabbitMQ) would otherwise pile up listeners on it.
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/** One probe attempt: aborted by `abort` or after `ms`. */
async function attempt(probe: (signal: AbortSignal) => Promise<void>, abort: AbortSignal, ms: number) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(abort.reason);
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${ms} ms`)), ms);
  abort.addEventListener('abort', onAbort, { once: true });
  try {
    await probe(controller.signal);
  } finally {
    clearTimeout(timer);
    abort.removeEventListener('abort', onAbort);
  }
}

export async function waitUntilReady(options: WaitOptions): Promise<'ready' | 'exited' | 'aborted'> {
  const started = Date.now();
  const reportEvery = options.reportEveryMs ?? 10_000;
  let lastReport = started;
  let lastReason = 'no answer yet';
  let exited = false;
  void options.exited.then(() => {
    exited = true;
  });
  let interval = 100;
  for (;;) {
    if (options.abort.aborted) return 'aborted';
    if (exited) return 'exited';
    try {
      await attempt(options.probe, options.abort, 5000);
      return 'ready';
    } catch (error) {
      lastReason = (error as Error).message || String(error);
    }
    const elapsed = Date.now() - started;
    if (elapsed >= options.timeoutMs) {
      throw catalogError('RV_SERVICE_NOT_READY', 'probeTimeout', {
        service: options.name,
        elapsedMs: elapsed,
        lastProbe: lastReason,
      });
    }
    if (Date.now() - lastReport >= reportEvery) {
      lastReport = Date.now();
      options.log.info(
        { waitedMs: elapsed, timeoutMs: options.timeoutMs },
        `waiting for ${options.name} to be ready: ${lastReason}`,
      );
    }
    await sleep(interval, options.abort);
    // At most 250 ms between tries: a probe that fails is a refused connection, cheap, while
    // each ms between the service's readiness and our noticing it is boot time (RabbitMQ,
    // on the critical path, had waited 0.4 s on average for the next try at 1 s).
    interval = Math.min(250, Math.round(interval * 1.5));
  }
}
