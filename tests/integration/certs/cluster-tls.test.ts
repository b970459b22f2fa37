// The cluster CA (CLUSTERTLS) with Debian's openssl: made once and kept in the store, the
// same CA on a later boot and on a new volume (another home), a server certificate that
// chains to it and names the addresses given, and the CA key never world-readable.
import { X509Certificate } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ensureClusterCa,
  fetchClusterCa,
  issueServerCert,
  serverNames,
  subjectAltName,
} from '../../../src/certs/cluster-tls.js';
import { CLUSTER_CA_CERT_KEY, CLUSTER_CA_KEY_KEY } from '../../../src/certs/cluster-tls-files.js';
import { FsStore } from '../../../src/store/fs-store.js';
import { memoryLogger, tempHome, testSettings } from '../../helpers/env.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the cluster CA', () => {
  let dir: Awaited<ReturnType<typeof tempHome>>;
  beforeEach(async () => {
    dir = await tempHome('rolevisor-cluster-ca-');
  });
  afterEach(async () => dir.cleanup());

  test('made at the first boot, kept in the store, reused on the next boot and on a new volume', async () => {
    const { log } = memoryLogger();
    const store = new FsStore({ root: join(dir.dir, 'store'), log });
    const first = testSettings({ ROLEVISOR_HOME: join(dir.dir, 'a'), CONTAINERROLE: 'sql', CLUSTERTLS: 'true' });
    const files = await ensureClusterCa(first, store, log);
    const ca = await readFile(files.caCert, 'utf8');
    expect(new X509Certificate(ca).ca).toBe(true);
    expect(await mode(files.caKey)).toBe(0o600);
    expect(await mode(files.dir)).toBe(0o755);
    expect(await store.getText(CLUSTER_CA_CERT_KEY)).toBe(ca);
    expect(await store.getText(CLUSTER_CA_KEY_KEY)).toBe(await readFile(files.caKey, 'utf8'));

    // The next boot, and a new volume: the store's CA.
    await ensureClusterCa(first, store, log);
    expect(await readFile(files.caCert, 'utf8')).toBe(ca);
    const fresh = testSettings({ ROLEVISOR_HOME: join(dir.dir, 'b'), CONTAINERROLE: 'sql', CLUSTERTLS: 'true' });
    const again = await ensureClusterCa(fresh, store, log);
    expect(await readFile(again.caCert, 'utf8')).toBe(ca);
    expect(await mode(again.caKey)).toBe(0o600);

    // A store that lost it (a new bucket) gets this host's CA back.
    await rm(join(dir.dir, 'store', 'tls'), { recursive: true });
    await ensureClusterCa(first, store, log);
    expect(await store.getText(CLUSTER_CA_CERT_KEY)).toBe(ca);

    // An app host takes only the certificate.
    const app = testSettings({ ROLEVISOR_HOME: join(dir.dir, 'c'), CONTAINERROLE: 'web', CLUSTERTLS: 'true' });
    const path = await fetchClusterCa(app, store, log);
    expect(await readFile(path!, 'utf8')).toBe(ca);
    await expect(stat(join(dir.dir, 'c', 'tls', 'cluster-ca.key'))).rejects.toThrow(/ENOENT/);
  }, 60_000);

  test('a certificate without its key in the store is refused with what to do', async () => {
    const { log } = memoryLogger();
    const store = new FsStore({ root: join(dir.dir, 'store'), log });
    await store.putText(CLUSTER_CA_CERT_KEY, '-----BEGIN CERTIFICATE-----\n');
    const settings = testSettings({ ROLEVISOR_HOME: join(dir.dir, 'a'), CONTAINERROLE: 'sql', CLUSTERTLS: 'true' });
    await expect(ensureClusterCa(settings, store, log)).rejects.toThrow(/not its key tls\/cluster-ca.key.*delete/);
  });

  test('the server certificate chains to the CA and names the addresses the app hosts use', async () => {
    const { log } = memoryLogger();
    const settings = testSettings({
      ROLEVISOR_HOME: dir.dir,
      CONTAINERROLE: 'sql:redis',
      CLUSTERTLS: 'true',
      SERVERHOSTNAME: 'backend.internal',
    });
    const names = serverNames(settings, '10.213.0.2');
    expect(names.slice(0, 2)).toEqual(['10.213.0.2', 'backend.internal']);
    expect(names).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '::1']));
    expect(subjectAltName(['10.0.0.1', 'db.example'])).toBe('subjectAltName=IP:10.0.0.1,DNS:db.example');
    const files = await ensureClusterCa(settings, undefined, log);
    await issueServerCert(files, names, log);
    const cert = new X509Certificate(await readFile(files.serverCert));
    const ca = new X509Certificate(await readFile(files.caCert));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIP('10.213.0.2')).toBe('10.213.0.2');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('backend.internal')).toBe('backend.internal');
    expect(cert.checkHost('other.internal')).toBeUndefined();
    expect(await mode(files.serverKey)).toBe(0o600);
  }, 60_000);
});
