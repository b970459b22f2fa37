// Where a RabbitMQ node's files live and the environment that points the server and its CLI
// tools (rabbitmqctl, rabbitmq-diagnostics) at them. HOME holds the Erlang cookie: the CLI
// must use the same HOME, else "Erlang distribution failed".
import { clusterTlsActive } from '../../certs/cluster-tls-files.js';
import { join } from 'node:path';
import type { Settings } from '../../settings/types.js';
import { backendBindAddress, LOOPBACK } from '../shared/backend-bind.js';
import { backendEnv } from '../shared/backend-env.js';
import type { ServicePaths } from '../../settings/paths.js';

export const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';
/** Short name on localhost: needs no DNS, only /etc/hosts' localhost. */
export const RABBITMQ_NODENAME = 'rabbit@localhost';

export interface RabbitmqLayout {
  home: string;
  cookieFile: string;
  mnesiaBase: string;
  logBase: string;
  configFile: string;
  definitionsFile: string;
  enabledPluginsFile: string;
  envConfFile: string;
  pidFile: string;
}

export function rabbitmqLayout(paths: Pick<ServicePaths, 'data' | 'conf' | 'run'>): RabbitmqLayout {
  return {
    home: paths.data,
    cookieFile: join(paths.data, '.erlang.cookie'),
    mnesiaBase: join(paths.data, 'mnesia'),
    logBase: join(paths.data, 'log'),
    configFile: join(paths.conf, 'rabbitmq.conf'),
    definitionsFile: join(paths.conf, 'definitions.json'),
    enabledPluginsFile: join(paths.conf, 'enabled_plugins'),
    envConfFile: join(paths.conf, 'rabbitmq-env.conf'),
    pidFile: join(paths.run, 'rabbitmq.pid'),
  };
}

/** The environment of rabbitmqctl & co. for this node (run them as user rabbitmq). */
export function rabbitmqCliEnv(
  settings: Pick<Settings, 'rabbitmq'>,
  paths: Pick<ServicePaths, 'data' | 'conf' | 'run'>,
): Record<string, string> {
  const layout = rabbitmqLayout(paths);
  return backendEnv(
    layout.home,
    {
      // Our own (empty) env file instead of /etc/rabbitmq/rabbitmq-env.conf.
      RABBITMQ_CONF_ENV_FILE: layout.envConfFile,
      RABBITMQ_NODENAME,
      ERL_EPMD_PORT: String(settings.rabbitmq.epmdPort),
      ERL_EPMD_ADDRESS: LOOPBACK,
      RABBITMQ_MNESIA_BASE: layout.mnesiaBase,
      RABBITMQ_LOG_BASE: layout.logBase,
      RABBITMQ_CONFIG_FILE: layout.configFile,
      RABBITMQ_ENABLED_PLUGINS_FILE: layout.enabledPluginsFile,
    },
    `${RABBITMQ_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`,
  );
}

/** The server's environment: the CLI's plus listeners, logging and process handling. */
export function rabbitmqServerEnv(
  settings: Pick<Settings, 'rabbitmq' | 'singleHost' | 'network'>,
  paths: Pick<ServicePaths, 'data' | 'conf' | 'run'>,
): Record<string, string> {
  const layout = rabbitmqLayout(paths);
  return {
    ...rabbitmqCliEnv(settings, paths),
    // With CLUSTERTLS rabbitmq.conf holds the (TLS) listener: these would add a plain one.
    ...(clusterTlsActive(settings)
      ? {}
      : { RABBITMQ_NODE_IP_ADDRESS: backendBindAddress(settings), RABBITMQ_NODE_PORT: String(settings.rabbitmq.port) }),
    RABBITMQ_DIST_PORT: String(settings.rabbitmq.distPort),
    RABBITMQ_LOGS: '-',
    RABBITMQ_PID_FILE: layout.pidFile,
    // Distribution on loopback only (a single node; only the local CLI connects), and never
    // an `epmd -daemon` of Erlang's own: without our epmd the node fails instead.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false',
    // With NOTIFY_SOCKET set, rabbitmq-server execs the Erlang VM instead of keeping a shell
    // that waits for it: the PID we supervise is the broker's, signals reach it directly and
    // its exit status is ours to see (the shell reports 0 even when the VM crashed). Nothing
    // listens there; RabbitMQ's readiness notification just goes nowhere.
    NOTIFY_SOCKET: join(paths.run, 'notify-unused'),
  };
}
