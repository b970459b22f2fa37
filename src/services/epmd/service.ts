// The Erlang port mapper RabbitMQ registers with, run by rolevisor as a foreground child:
// if Erlang found none, it would start `epmd -daemon`, which detaches and outlives RabbitMQ.
// It listens on loopback only: the node is a single broker, and only the local CLI tools
// (rabbitmqctl) look it up; the network has no business with Erlang distribution.
import { LOOPBACK } from '../shared/backend-bind.js';
import { ensureServiceDir } from '../shared/backend-dirs.js';
import { backendEnv } from '../shared/backend-env.js';
import { epmdNames } from './names.js';
import type { Service, ServiceContext, ServiceFactory } from '../types.js';

const EPMD = '/usr/bin/epmd';
const NO_IPV6_LOOPBACK = /failed to bind on ipaddr ::1: Cannot assign requested address$/;

export const createEpmd: ServiceFactory = (ctx: ServiceContext): Service => {
  const port = ctx.settings.rabbitmq.epmdPort;
  return {
    name: 'epmd',
    kind: 'epmd',
    stopSignal: 'SIGTERM',
    listeners: () => [{ name: 'epmd', port, bind: LOOPBACK, protocol: 'tcp' }],
    dataDirs: () => [],

    async prepare() {
      // Nothing to keep; a directory of its own to run in (HOME, cwd).
      await ensureServiceDir(ctx.paths.run, 0o755, ctx.identity);
    },

    // Without -daemon, epmd stays in the foreground. -address always adds both loopbacks,
    // 127.0.0.1 and ::1, whatever it is given: in a container without IPv6 (Docker's
    // default) epmd says it cannot bind ::1 and carries on with 127.0.0.1 (levelOf).
    launch: () => ({
      file: EPMD,
      args: ['-port', String(port), '-address', LOOPBACK],
      env: backendEnv(ctx.paths.run),
      cwd: ctx.paths.run,
    }),

    // "failed to bind on ipaddr ::1: Cannot assign requested address": no IPv6 loopback here,
    // nothing wrong (epmd listens on 127.0.0.1, all rabbitmq needs). Every boot logged it.
    levelOf: (text, guessed) => (NO_IPV6_LOOPBACK.test(text) ? 'debug' : guessed),

    async probe(signal) {
      const names = await epmdNames(LOOPBACK, port, signal);
      if (names.epmdPort !== port) throw new Error(`epmd on port ${port} says it listens on ${names.epmdPort}`);
    },
  };
};
