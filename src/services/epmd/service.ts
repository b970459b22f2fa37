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

    // Without -daemon, epmd stays in the foreground. -address also adds ::1 (loopback).
    launch: () => ({
      file: EPMD,
      args: ['-port', String(port), '-address', LOOPBACK],
      env: backendEnv(ctx.paths.run),
      cwd: ctx.paths.run,
    }),

    async probe(signal) {
      const names = await epmdNames(LOOPBACK, port, signal);
      if (names.epmdPort !== port) throw new Error(`epmd on port ${port} says it listens on ${names.epmdPort}`);
    },
  };
};
