// The status server: /healthz while alive, /readyz 503 until every service is ready (and
// again while stopping), /metrics, and nothing but GET and HEAD.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildStatus } from '../../../src/supervisor/child.js';
import { startStatusServer } from '../../../src/status/server.js';
import { RuntimeState } from '../../../src/status/runtime.js';
import { memoryLogger } from '../../helpers/env.js';

describe('the status server', () => {
  const state = new RuntimeState(['redis'], 'x', '1');
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = await startStatusServer(state, '127.0.0.1', 0, memoryLogger().log);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('/healthz answers from the start; /readyz says which service is not ready', async () => {
    state.services = () => [{ name: 'redis', role: 'redis', state: 'starting', restarts: 0 } as unknown as ChildStatus];
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'alive', phase: 'booting' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, phase: 'booting', notReady: ['redis: starting'] });
  });

  it('/readyz is 200 while running with every service ready, 503 again while stopping', async () => {
    state.services = () => [{ name: 'redis', role: 'redis', state: 'ready', restarts: 0 } as unknown as ChildStatus];
    state.allReady = () => true;
    state.phase = 'running';
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    state.phase = 'stopping';
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });

  it('/metrics in the Prometheus format; other methods and paths are refused', async () => {
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^rolevisor_ready 0$/m);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });
});
