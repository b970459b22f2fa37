// The read-only log viewer (src/logviewer) as a child process on LOGVIEWPORT, running as
// its kind's user (www-data): syslog/service.ts gives the log directory (0750) that user's
// group, so the viewer can read every log and write none. Like syslog, it drops privileges
// itself through setpriv when spawned as root, so a LOGVIEWPORT below 1024 also works
// (registry.ts: switchesUser 'itself').
import { request } from 'node:http';
import { CHILD_TZ } from '../shared/child-tz.js';
import { join } from 'node:path';
import { LOGVIEWER_USER } from '../../config/logviewer-credentials.js';
import { registerSecrets } from '../../log.js';
import { authFileContent } from '../../logviewer/auth.js';
import { logDir, logViewerPasswordFile } from '../../settings/paths.js';
import { ensureDir, writeFileAtomic } from '../../util/fsx.js';
import { ensureGeneratedSecret } from '../../util/generated-secret.js';
import { nodeEntryCommand } from '../../util/node-entry.js';
import { applyRunAs, resolveRunAs, type RunAs } from '../../util/run-as.js';
import { ensureServiceDir } from '../shared/backend-dirs.js';
import { catalogError } from '../../errors.js';
import type { Service, ServiceContext } from '../types.js';

async function generatedPassword(ctx: ServiceContext): Promise<string> {
  await ensureDir(ctx.paths.secrets, { mode: 0o700 });
  return (await ensureGeneratedSecret(logViewerPasswordFile(ctx.settings), { length: 32 })).value;
}

export function createLogViewerService(ctx: ServiceContext): Service {
  const { settings } = ctx;
  const port = settings.log.viewPort;
  // All interfaces, in role all too: the viewer is for people (docker run -p 8080:8080) and asks
  // for its password; syslog itself stays on loopback on a single host.
  const bind = '0.0.0.0';
  const dir = logDir(settings);
  // The viewer reads only the user and a hash of the password (logviewer/auth.ts).
  const authFile = join(ctx.paths.conf, 'auth');
  let runAs: RunAs | undefined;

  return {
    name: 'logviewer',
    kind: 'logviewer',
    stopSignal: 'SIGTERM',
    listeners: () => [{ name: 'logviewer', port, bind, protocol: 'tcp' }],
    dataDirs: () => [],

    async prepare() {
      runAs = await resolveRunAs(ctx.identity, ctx.user, [port], 'LOGVIEWPORT');
      // Never open by default: without LOGVIEWPASSWORD, the generated one (kept in the store by main).
      const password = settings.log.viewPassword ?? (await generatedPassword(ctx));
      registerSecrets([password]);
      await ensureServiceDir(ctx.paths.conf, 0o700, runAs.identity);
      await writeFileAtomic(authFile, authFileContent(LOGVIEWER_USER, password), {
        mode: 0o600,
        owner: runAs.identity,
      });
    },

    launch() {
      if (!runAs) throw catalogError('RV_INTERNAL', 'launchBeforePrepare', { service: 'logviewer' });
      const command = nodeEntryCommand('logviewer/main', [
        '--port',
        String(port),
        '--bind',
        bind,
        '--dir',
        dir,
        '--auth-file',
        authFile,
      ]);
      return applyRunAs(runAs, {
        ...command,
        // cwd "/": the service user may not be able to enter rolevisor's working directory.
        cwd: '/',
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', TZ: CHILD_TZ, NODE_ENV: 'production' },
      });
    },

    // An HTTP exchange; /healthz answers 200 only if the viewer can read the log directory.
    async probe(signal) {
      const host = bind === '0.0.0.0' ? '127.0.0.1' : bind;
      const { status, body } = await httpGet(host, port, '/healthz', signal);
      if (status !== 200) throw new Error(`the log viewer answered GET /healthz with HTTP ${status}: ${body.trim()}`);
    },
  };
}

function httpGet(
  host: string,
  port: number,
  path: string,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: 'GET', signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
