// CLUSTERTLS: the cluster CA and the backend's server certificate. The CA is made once, by
// the first backend host that boots with CLUSTERTLS, and kept in the store (tls/, beside the
// cluster's config.yml and its credentials; outside certs/, which every host installs), so
// a later boot, a new volume or another backend host signs with the same CA and the app
// hosts keep trusting it. The server certificate is issued at every boot for this boot's
// addresses (an ECS task's address changes), so it never needs renewing by hand.
// openssl (Debian's, argument arrays) makes both: Node's crypto makes keys but no X.509
// certificates, and openssl is on every image already (no npm dependency for 2 commands).
// Keys are written by openssl into a root-only file (0600) and never pass a command line.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { detectOwnAddress } from '../discovery/own-address.js';
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { pathExists, writeFileAtomic } from '../util/fsx.js';
import { CLUSTER_CA_CERT_KEY, CLUSTER_CA_KEY_KEY, clusterTlsFiles, type ClusterTlsFiles } from './cluster-tls-files.js';

const OPENSSL = '/usr/bin/openssl';
const CA_DAYS = 3650;
/** Reissued at every boot; the bound only matters for a backend that never restarts. */
const SERVER_DAYS = 397;
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: string[]): Promise<void> {
  const result = await execa(OPENSSL, args, { reject: false, all: true, stdin: 'ignore' });
  if (result.exitCode !== 0)
    throw catalogError('RV_PREPARE_FAILED', 'clusterTlsOpenssl', {
      command: args[0] ?? '',
      exitCode: result.exitCode,
      output: (result.all ?? '').trim().slice(-300),
    });
}

async function makeCa(files: ClusterTlsFiles): Promise<void> {
  const tmpKey = `${files.caKey}.new`;
  const tmpCert = `${files.caCert}.new`;
  const serial = randomBytes(8).toString('hex');
  await openssl([
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-keyout',
    tmpKey,
    '-out',
    tmpCert,
    '-days',
    String(CA_DAYS),
    '-set_serial',
    `0x${serial}`,
    '-subj',
    `/CN=rolevisor cluster CA ${serial}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await chmod(tmpKey, 0o600);
  await chmod(tmpCert, 0o644);
  await rename(tmpKey, files.caKey);
  await rename(tmpCert, files.caCert);
}

/** Makes the dir: 0755, so the services' and the app's users reach the CA certificate. */
async function tlsDir(files: ClusterTlsFiles): Promise<void> {
  await mkdir(files.dir, { recursive: true, mode: 0o755 });
  await chmod(files.dir, 0o755);
}

/**
 * The cluster CA on a backend host: the store's (written here), else this host's own copy
 * (a store that lost it, or none: uploaded again), else a new one (uploaded: key first, the
 * certificate last, so an app host that sees the certificate sees a complete CA).
 */
export async function ensureClusterCa(
  settings: Settings,
  store: Store | undefined,
  log: Logger,
): Promise<ClusterTlsFiles> {
  const files = clusterTlsFiles(settings);
  await tlsDir(files);
  const [storedCert, storedKey] = store
    ? await Promise.all([store.getText(CLUSTER_CA_CERT_KEY), store.getText(CLUSTER_CA_KEY_KEY)])
    : [undefined, undefined];
  if (storedCert && storedKey) {
    await writeFileAtomic(files.caKey, storedKey, { mode: 0o600 });
    await writeFileAtomic(files.caCert, storedCert, { mode: 0o644 });
    log.info(`CLUSTERTLS: using the cluster CA kept in the ${store!.describe()} (${CLUSTER_CA_CERT_KEY})`);
    return files;
  }
  if (storedCert && !storedKey)
    throw catalogError('RV_PREPARE_FAILED', 'clusterCaKeyMissing', {
      cert: CLUSTER_CA_CERT_KEY,
      key: CLUSTER_CA_KEY_KEY,
    });
  const local = (await pathExists(files.caCert)) && (await pathExists(files.caKey));
  if (!local) await makeCa(files);
  if (store) {
    await store.putText(CLUSTER_CA_KEY_KEY, await readFile(files.caKey, 'utf8'));
    await store.putText(CLUSTER_CA_CERT_KEY, await readFile(files.caCert, 'utf8'));
  }
  log.info(
    `CLUSTERTLS: ${local ? "this host's cluster CA" : 'a new cluster CA'} ${store ? `kept in the ${store.describe()} (${CLUSTER_CA_CERT_KEY}, ${CLUSTER_CA_KEY_KEY})` : `in ${files.dir}`}`,
  );
  return files;
}

/** The names and addresses the app hosts may use for this backend host. */
export function serverNames(settings: Settings, ownAddress: string | undefined): string[] {
  const hostOf = (url: string | undefined): string | undefined => {
    try {
      return url ? new URL(url).hostname.replace(/^\[|\]$/g, '') : undefined;
    } catch {
      return undefined;
    }
  };
  const names = [
    ownAddress,
    settings.network.advertiseAddress,
    settings.network.serverHostname,
    settings.network.podIp,
    settings.db.host,
    hostOf(settings.redis.url),
    hostOf(settings.rabbitmq.url),
    hostname(),
    'localhost',
    '127.0.0.1',
    '::1',
  ];
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
}

export const subjectAltName = (names: string[]): string =>
  `subjectAltName=${names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}`;

/** A new server key and certificate for `names`, signed by the cluster CA (every boot). */
export async function issueServerCert(files: ClusterTlsFiles, names: string[], log: Logger): Promise<void> {
  const tmpKey = `${files.serverKey}.new`;
  const tmpCert = `${files.serverCert}.new`;
  await rm(tmpKey, { force: true });
  await openssl([
    'req',
    '-x509',
    '-CA',
    files.caCert,
    '-CAkey',
    files.caKey,
    ...EC_KEY,
    '-keyout',
    tmpKey,
    '-out',
    tmpCert,
    '-days',
    String(SERVER_DAYS),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-subj',
    `/CN=${names[0].replace(/[/\\=+,]/g, '_')}`,
    '-addext',
    subjectAltName(names),
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  await chmod(tmpKey, 0o600);
  await chmod(tmpCert, 0o644);
  await rename(tmpKey, files.serverKey);
  await rename(tmpCert, files.serverCert);
  log.info({ names }, `CLUSTERTLS: server certificate issued for ${names.join(', ')}`);
}

/**
 * An app host: the CA certificate from the store, when the cluster uses TLS (the store's
 * config.yml names it). Returns its local path, or undefined when the store holds none.
 */
export async function fetchClusterCa(settings: Settings, store: Store, log: Logger): Promise<string | undefined> {
  const files = clusterTlsFiles(settings);
  const cert = await store.getText(CLUSTER_CA_CERT_KEY);
  if (!cert) return undefined;
  await tlsDir(files);
  await writeFileAtomic(files.caCert, cert, { mode: 0o644 });
  log.info(`CLUSTERTLS: the cluster CA from the ${store.describe()} (${CLUSTER_CA_CERT_KEY}) in ${files.caCert}`);
  return files.caCert;
}

/** A backend host at boot, before its services render their config: the CA, then this boot's certificate. */
export async function prepareClusterTls(settings: Settings, store: Store | undefined, log: Logger): Promise<void> {
  const files = await ensureClusterCa(settings, store, log);
  const { address } = await detectOwnAddress(settings, log.child({ component: 'discovery' }));
  await issueServerCert(files, serverNames(settings, address), log);
}
