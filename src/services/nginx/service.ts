// nginx in front of uwsgi. The master runs as root so it can bind 80/443 and read the TLS
// key; its workers drop to www-data (`user www-data;`), the user uwsgi's socket belongs to.
import { CHILD_TZ } from '../shared/child-tz.js';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { execa } from 'execa';
import { catalogError } from '../../errors.js';
import { ensureDir, writeFileAtomic } from '../../util/fsx.js';
import { isRoot, lookupUser } from '../../util/identity.js';
import { ensureCertificate } from './certs.js';
import { HEALTH_PATH, renderNginxConf } from './conf.js';
import type { Listener, Service, ServiceContext } from '../types.js';
import { uwsgiSocketPath } from '../uwsgi/service.js';

const NGINX = '/usr/sbin/nginx';
const TEMP_PATHS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/** The HTTP status of a GET to nginx on loopback. */
function getStatus(secure: boolean, port: number, path: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = secure ? httpsRequest : httpRequest;
    const req = send(
      { host: '127.0.0.1', port, path, method: 'GET', signal, agent: false, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('error', (error) => reject(new Error(`GET ${path} on port ${port}: ${error.message}`)));
    req.end();
  });
}

/** nginx's own health location answers 204 from nginx itself, without the app. */
async function getHealth(secure: boolean, port: number, signal: AbortSignal): Promise<void> {
  const status = await getStatus(secure, port, HEALTH_PATH, signal);
  if (status !== 204) throw new Error(`GET ${HEALTH_PATH} on port ${port} answered HTTP ${status}, not 204`);
}

/** nginx must also reach the app: 502/503/504 mean it cannot (socket, permissions). */
async function getThroughToApp(secure: boolean, port: number, path: string, signal: AbortSignal): Promise<void> {
  const status = await getStatus(secure, port, path, signal);
  if (status >= 502 && status <= 504)
    throw new Error(
      `GET ${path} through nginx answered HTTP ${status}: nginx cannot reach uwsgi (see nginx's log lines)`,
    );
}

/** The line of `nginx -t` output that says what is wrong. */
const firstProblem = (output: string): string =>
  output
    .split('\n')
    .find((l) => /\[(emerg|alert|crit|error)\]/.test(l))
    ?.replace(/^.*?\[\w+\] \d+#\d+: /, '') ??
  (output.trim() || 'no output');

export function createNginx(ctx: ServiceContext): Service {
  const { settings } = ctx;
  const { web } = settings;
  const confFile = join(ctx.paths.conf, 'nginx.conf');
  const tempDir = join(ctx.paths.run, 'tmp');
  // No IPv6 listener on hosts without IPv6, where nginx would fail to bind [::].
  const ipv6 = existsSync('/proc/net/if_inet6');
  const launchArgs = ['-p', ctx.paths.run, '-e', 'stderr', '-c', confFile];

  return {
    name: 'nginx',
    kind: 'nginx',
    // Graceful: stop accepting, let workers finish the requests they have, then exit.
    stopSignal: 'SIGQUIT',

    listeners(): Listener[] {
      const binds = ipv6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
      const ports = [
        { name: 'http', port: web.port },
        ...(web.useHttps ? [{ name: 'https', port: web.httpsPort }] : []),
      ];
      return ports.flatMap(({ name, port }) => binds.map((bind) => ({ name, port, bind, protocol: 'tcp' as const })));
    },
    dataDirs: () => [],

    async prepare() {
      // Root gives the workers to www-data; otherwise everything runs as us, with no user directive.
      const worker = isRoot() ? await lookupUser(ctx.user) : undefined;
      await ensureDir(ctx.paths.conf, { mode: 0o755 });
      await ensureDir(ctx.paths.run, { mode: 0o755 });
      await ensureDir(tempDir, { mode: 0o755 });
      for (const name of TEMP_PATHS) await ensureDir(join(tempDir, name), { mode: 0o700, owner: worker });
      const pair = web.useHttps ? await ensureCertificate(settings, ctx.log) : undefined;
      const conf = renderNginxConf({
        pidFile: join(ctx.paths.run, 'nginx.pid'),
        tempDir,
        workerUser: worker?.user,
        port: web.port,
        https: pair ? { port: web.httpsPort, ...pair } : undefined,
        ipv6,
        behindLoadBalancer: web.behindLoadBalancer,
        serverName: web.hostname,
        urlRoot: web.urlRoot,
        uwsgiSocket: uwsgiSocketPath(settings),
      });
      await writeFileAtomic(confFile, conf, { mode: 0o644 });
      // nginx -t names the line of a bad setting now, rather than a restart loop later.
      const test = await execa(NGINX, ['-t', '-q', ...launchArgs], {
        env: {},
        extendEnv: false,
        reject: false,
        all: true,
      });
      if (test.exitCode !== 0) {
        throw catalogError('RV_PREPARE_FAILED', 'nginxRejected', {
          file: confFile,
          problem: firstProblem(test.all ?? ''),
        });
      }
    },

    // nginx keeps only TZ of its environment anyway.
    launch: () => ({ file: NGINX, args: launchArgs, env: { TZ: CHILD_TZ } }),

    async probe(signal) {
      await getHealth(false, web.port, signal);
      if (web.useHttps) await getHealth(true, web.httpsPort, signal);
      await getThroughToApp(web.useHttps, web.useHttps ? web.httpsPort : web.port, web.urlRoot, signal);
    },
  };
}
