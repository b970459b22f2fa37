// The local control endpoint: HTTP over a unix socket in ROLEVISOR_HOME/run (mode 0600),
// so only root in this container can ask for a backup. Nothing listens on the network.
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Logger } from '../log.js';
import type { BackupRecord, RuntimeState } from '../status/runtime.js';

export interface ControlActions {
  /** Runs a backup now (one at a time) and reports it. */
  backup(): Promise<BackupRecord>;
  /** New generated credentials for the backend services here (all, or `service`). */
  rotateCredentials(service: string | undefined): Promise<unknown>;
}

export async function startControlServer(
  path: string,
  state: RuntimeState,
  actions: ControlActions,
  log: Logger,
): Promise<Server> {
  await rm(path, { force: true });
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method === 'GET' && req.url === '/status') {
      send(200, state.snapshot());
    } else if (req.method === 'POST' && req.url === '/backup') {
      if (state.phase !== 'running') {
        send(409, { error: `cannot back up while ${state.phase}` });
        return;
      }
      log.info('backup requested through the control endpoint');
      actions.backup().then(
        (record) => send(record.ok ? 200 : 500, record),
        (error: unknown) => send(500, { ok: false, error: (error as Error).message }),
      );
    } else if (req.method === 'POST' && req.url?.startsWith('/rotate-credentials')) {
      if (state.phase !== 'running') {
        send(409, { error: `cannot rotate credentials while ${state.phase}` });
        return;
      }
      const service = new URL(req.url, 'http://control.invalid').searchParams.get('service') ?? undefined;
      log.info({ service }, 'credential rotation requested through the control endpoint');
      actions.rotateCredentials(service).then(
        (result) => send(200, result),
        (error: unknown) => send(500, { error: (error as Error).message }),
      );
    } else {
      send(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return server;
}
