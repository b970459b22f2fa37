// Waiting for a service's probe: a probe retried many times leaves no listener behind on
// the stop signal (40 retries of RabbitMQ's at boot made Node warn MaxListenersExceeded).
import { getEventListeners } from 'node:events';
import { waitUntilReady } from '../../../src/supervisor/probe.js';
import { memoryLogger } from '../../helpers/env.js';

test('30 failed probes, then ready: no abort listener is left on the stop signal', async () => {
  const stop = new AbortController();
  let tries = 0;
  const result = await waitUntilReady({
    name: 'flaky',
    probe: () => (++tries < 30 ? Promise.reject(new Error('not yet')) : Promise.resolve()),
    timeoutMs: 60_000,
    exited: new Promise(() => undefined),
    abort: stop.signal,
    log: memoryLogger().log,
  });
  expect([result, tries]).toEqual(['ready', 30]);
  expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
}, 30_000);
