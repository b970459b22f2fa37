// CLUSTERTLS on a backend service: the cluster CA and this host's server certificate and
// key (certs/cluster-tls.ts) copied into the service's own conf dir, owned by its user
// (PostgreSQL refuses a key that others can read; each service runs as its own user).
// And the TLS options of rolevisor's own clients of these services on this host.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterTlsActive, clusterTlsFiles } from '../../certs/cluster-tls-files.js';
import type { Settings } from '../../settings/types.js';
import { writeFileAtomic } from '../../util/fsx.js';
import type { ServiceContext } from '../types.js';

export interface ServiceTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The service's copies, or undefined when CLUSTERTLS does not apply on this host. */
export async function installServiceTls(
  ctx: Pick<ServiceContext, 'settings' | 'paths' | 'identity'>,
): Promise<ServiceTls | undefined> {
  if (!clusterTlsActive(ctx.settings)) return undefined;
  const files = clusterTlsFiles(ctx.settings);
  const out: ServiceTls = {
    caFile: join(ctx.paths.conf, 'cluster-ca.crt'),
    certFile: join(ctx.paths.conf, 'server.crt'),
    keyFile: join(ctx.paths.conf, 'server.key'),
  };
  const owner = ctx.identity;
  await writeFileAtomic(out.caFile, await readFile(files.caCert), { mode: 0o644, owner });
  await writeFileAtomic(out.certFile, await readFile(files.serverCert), { mode: 0o644, owner });
  await writeFileAtomic(out.keyFile, await readFile(files.serverKey), { mode: 0o600, owner });
  return out;
}

/** Node's tls options for a client on this host (127.0.0.1 is in the certificate), or undefined. */
export function localTlsOptions(
  settings: Pick<Settings, 'singleHost' | 'network' | 'home'>,
): { ca: Buffer } | undefined {
  if (!clusterTlsActive(settings)) return undefined;
  // A few hundred bytes, read when a client connects (the CA may be made after the service object).
  return { ca: readFileSync(clusterTlsFiles(settings).caCert) };
}
