// Where CLUSTERTLS keeps its files on a host, and whether it applies. Pure: the services
// (postgres, redis, rabbitmq), the clients of this host and config.yml all read it.
import { join } from 'node:path';
import { clusterTlsDir } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';

/** Store keys: outside certs/, which every host installs (the CA key must reach backends only). */
export const CLUSTER_CA_CERT_KEY = 'tls/cluster-ca.crt';
export const CLUSTER_CA_KEY_KEY = 'tls/cluster-ca.key';

export interface ClusterTlsFiles {
  dir: string;
  caCert: string;
  /** Only on a host that runs a backend service (it signs that host's server certificate). */
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export function clusterTlsFiles(settings: Pick<Settings, 'home'>): ClusterTlsFiles {
  const dir = clusterTlsDir(settings);
  return {
    dir,
    caCert: join(dir, 'cluster-ca.crt'),
    caKey: join(dir, 'cluster-ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
}

/** CLUSTERTLS on a host whose backend listens beyond loopback (one host for every role: never). */
export const clusterTlsActive = (settings: Pick<Settings, 'singleHost' | 'network'>): boolean =>
  settings.network.clusterTls && !settings.singleHost;
