// The status server on STATUSPORT: /healthz (the supervisor is alive), /readyz (every
// service ready; 503 while booting or stopping so a load balancer drains us first) and
// /metrics (Prometheus). Read-only; nothing here changes state.
import { createServer, type Server } from 'node:http';
import type { Logger } from '../log.js';
import type { Registry } from 'prom-client';
import type { RuntimeState } from './runtime.js';

export async function startStatusServer(state: RuntimeState, bind: string, port: number, log: Logger): Promise<Server> {
  // prom-client (and the OpenTelemetry API it loads: ~1.7 MB of heap, ~12 MB RSS in a bare
  // node) is imported at the first scrape: a host nobody scrapes never loads it.
  let metrics: Promise<Registry> | undefined;
  const registry = () => (metrics ??= import('./metrics.js').then((m) => m.createMetrics(state)));
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      send(200, { status: 'alive', phase: state.phase });
    } else if (path === '/readyz') {
      const waitingFor = state.phase === 'booting' ? state.waitingFor : undefined;
      const notReady = [
        ...(waitingFor ? [`boot: waiting for ${waitingFor}`] : []),
        ...state
          .services()
          .filter((s) => s.state !== 'ready')
          .map((s) => `${s.name}: ${s.state}`),
      ];
      send(state.ready() ? 200 : 503, { ready: state.ready(), phase: state.phase, waitingFor, notReady });
    } else if (path === '/metrics') {
      registry()
        .then(async (r) => ({ text: await r.metrics(), type: r.contentType }))
        .then(
          ({ text, type }) => {
            res.writeHead(200, { 'content-type': type }).end(text);
          },
          (error: unknown) => {
            log.error(`metrics failed: ${(error as Error).message}`);
            send(500, { error: 'metrics failed' });
          },
        );
    } else {
      send(404, { error: 'not found', paths: ['/healthz', '/readyz', '/metrics'] });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log.info({ bind, port }, `status server on http://${bind}:${port} (/healthz /readyz /metrics)`);
  return server;
}
