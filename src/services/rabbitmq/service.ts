// The rabbitmq role's broker: /usr/lib/rabbitmq/bin/rabbitmq-server in the foreground as
// user rabbitmq, every path and port passed as environment (rabbitmq/layout.ts), the app's
// account from the RABBITMQ URL loaded as definitions at every boot (rabbitmq/conf.ts).
// It needs our epmd (epmd.ts) running first.
import { join } from 'node:path';
import amqp from 'amqplib';
import { registerSecrets } from '../../log.js';
import { writeFileAtomic } from '../../util/fsx.js';
import { backendBindAddress, isLoopback, LOOPBACK } from '../shared/backend-bind.js';
import { ensureServiceDir } from '../shared/backend-dirs.js';
import { installServiceTls, localTlsOptions } from '../shared/cluster-tls.js';
import { ensureErlangCookie } from './cookie.js';
import { renderDefinitions, renderRabbitmqConf } from './conf.js';
import { rabbitmqCredentials, type RabbitmqCredentials } from './credentials.js';
import { RABBITMQ_BIN, rabbitmqLayout, rabbitmqServerEnv } from './layout.js';
import type { Service, ServiceContext, ServiceFactory } from '../types.js';

export { rabbitmqCliEnv } from './layout.js';

/** Opens an AMQP connection with the credentials (a full handshake and login), then closes it. */
export async function amqpLogin(
  port: number,
  credentials: RabbitmqCredentials,
  signal: AbortSignal,
  tls?: { ca: Buffer },
): Promise<void> {
  signal.throwIfAborted();
  const connecting = amqp.connect(
    {
      protocol: tls ? 'amqps' : 'amqp',
      hostname: LOOPBACK,
      port,
      username: credentials.username,
      password: credentials.password,
      vhost: credentials.vhost,
      heartbeat: 0,
    },
    { timeout: 5000, ...tls },
  );
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('no AMQP login in time')), { once: true });
  });
  let connection: amqp.ChannelModel | undefined;
  try {
    connection = await Promise.race([connecting, aborted]);
  } finally {
    // A login that completes after the abort is closed too.
    if (!connection) void connecting.then((late) => late.close()).catch(() => undefined);
  }
  connection.on('error', () => undefined);
  await connection.close();
}

export const createRabbitmq: ServiceFactory = (ctx: ServiceContext): Service => {
  const { settings, paths, log } = ctx;
  const port = settings.rabbitmq.port;
  const bind = backendBindAddress(settings);
  const layout = rabbitmqLayout(paths);
  // Read when used: a generated account (config/cluster-credentials.ts) or a rotated one is set after this.
  const creds = () => rabbitmqCredentials(settings.rabbitmq.url);

  return {
    name: 'rabbitmq',
    kind: 'rabbitmq',
    // SIGTERM: the VM stops the broker cleanly (~1–3 s).
    stopSignal: 'SIGTERM',
    listeners: () => [
      { name: 'amqp', port, bind, protocol: 'tcp' },
      { name: 'erlang-distribution', port: settings.rabbitmq.distPort, bind: LOOPBACK, protocol: 'tcp' },
    ],
    dataDirs: () => [paths.data],

    async prepare() {
      const owner = ctx.identity;
      const credentials = creds();
      // Not the default guest password: masking "guest" would garble every line that names the user.
      if (settings.rabbitmq.url) registerSecrets([credentials.password]);
      await ensureServiceDir(paths.data, 0o700, owner);
      await ensureServiceDir(layout.mnesiaBase, 0o700, owner);
      await ensureServiceDir(layout.logBase, 0o700, owner);
      await ensureServiceDir(paths.conf, 0o700, owner);
      await ensureServiceDir(paths.run, 0o700, owner);
      registerSecrets([await ensureErlangCookie(layout.cookieFile, owner)]);

      const allowRemoteGuest = credentials.username === 'guest' && !isLoopback(bind);
      if (allowRemoteGuest) {
        log.warn(
          `RabbitMQ listens on ${bind}:${port} with the well-known account guest/guest (RABBITMQ names it): anyone who can reach that port can read and publish every task; unset RABBITMQ (rolevisor then generates an account) or set RABBITMQ=amqp://USER:PASSWORD@host:${port}// with your own`,
        );
      }
      const tls = await installServiceTls(ctx);
      await writeFileAtomic(
        layout.configFile,
        renderRabbitmqConf({
          definitionsFile: layout.definitionsFile,
          allowRemoteGuest,
          tls: tls && { ...tls, port, bind },
        }),
        { mode: 0o600, owner },
      );
      await writeFileAtomic(layout.definitionsFile, renderDefinitions(credentials), { mode: 0o600, owner });
      await writeFileAtomic(layout.enabledPluginsFile, '[].\n', { mode: 0o600, owner });
      await writeFileAtomic(
        layout.envConfFile,
        '# rolevisor passes every setting as environment; this file stays empty.\n',
        { mode: 0o600, owner },
      );
    },

    launch: () => ({
      file: join(RABBITMQ_BIN, 'rabbitmq-server'),
      args: [],
      env: rabbitmqServerEnv(settings, paths),
      cwd: paths.data,
    }),

    probe: (signal) => amqpLogin(port, creds(), signal, localTlsOptions(settings)),
  };
};
