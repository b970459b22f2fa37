// How a service that may listen on a privileged port runs as its own unprivileged user.
// Ports below net.ipv4.ip_unprivileged_port_start (1024 on a host, often 0 inside Docker)
// need CAP_NET_BIND_SERVICE. Rather than run the whole program as root for one bind(),
// rolevisor (root) starts it through setpriv, which switches to the service's user and keeps
// that one capability and nothing else. setpriv execs the program: the PID is the service's.
import { readFileSync } from 'node:fs';
import { catalogError } from '../errors.js';
import type { Identity } from './identity.js';
import type { Launch } from './launch.js';
import { isRoot, lookupUser } from './identity.js';

const SETPRIV = '/usr/bin/setpriv';
const PORT_START_FILE = '/proc/sys/net/ipv4/ip_unprivileged_port_start';

export function unprivilegedPortStart(file = PORT_START_FILE): number {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(value) && value >= 0 ? value : 1024;
  } catch {
    return 1024;
  }
}

export interface RunAs {
  /** Owner of the service's files; undefined when rolevisor is not root (all files are ours). */
  identity: Identity | undefined;
  /** Spawned as root, and setpriv switches to `identity`. */
  setpriv: boolean;
  /** setpriv keeps CAP_NET_BIND_SERVICE (a port below the unprivileged start). */
  bindCapability: boolean;
}

/**
 * `given` is ctx.identity: when the supervisor already starts the service as its user, no
 * privileged port can be bound, and we say so before the program fails obscurely.
 */
export async function resolveRunAs(
  given: Identity | undefined,
  user: string,
  ports: number[],
  setting: string,
  portStart = unprivilegedPortStart(),
): Promise<RunAs> {
  const low = ports.find((port) => port < portStart);
  if (given) {
    if (low !== undefined) {
      throw catalogError('RV_PREPARE_FAILED', 'privilegedPortDirect', {
        setting,
        port: low,
        portStart,
        user: given.user,
      });
    }
    return { identity: given, setpriv: false, bindCapability: false };
  }
  if (!isRoot()) {
    if (low !== undefined) {
      throw catalogError('RV_NOT_ROOT', 'privilegedPort', { setting, port: low, portStart });
    }
    return { identity: undefined, setpriv: false, bindCapability: false };
  }
  return { identity: await lookupUser(user), setpriv: true, bindCapability: low !== undefined };
}

/** Wraps a launch in setpriv when `runAs` says so; otherwise returns it unchanged. */
export function applyRunAs(runAs: RunAs, launch: Launch): Launch {
  if (!runAs.setpriv || !runAs.identity) return launch;
  const caps = runAs.bindCapability
    ? ['--inh-caps=-all,+net_bind_service', '--ambient-caps=+net_bind_service', '--bounding-set=-all,+net_bind_service']
    : ['--inh-caps=-all', '--bounding-set=-all'];
  return {
    ...launch,
    file: SETPRIV,
    args: [
      `--reuid=${runAs.identity.uid}`,
      `--regid=${runAs.identity.gid}`,
      '--clear-groups',
      ...caps,
      '--no-new-privs',
      '--',
      launch.file,
      ...launch.args,
    ],
  };
}
