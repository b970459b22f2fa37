// Certificates from the store into <home>/certs: keys 0600, certificates 0644, nginx's pair
// used as installed; names that would escape the directory are refused, from the local
// store and from S3 (where any key can exist), and nothing lands outside.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { installCertificates } from '../../../src/certs/install.js';
import { certificatePair, ensureCertificate } from '../../../src/services/nginx/certs.js';
import { FsStore } from '../../../src/store/fs-store.js';
import { S3Store } from '../../../src/store/s3-store.js';
import { memoryLogger, tempHome, testSettings } from '../../helpers/env.js';
import { startS3rver, type S3rverHandle } from '../../helpers/s3rver.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('certificates from the store', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: S3rverHandle;
  let s3: S3Store;
  beforeAll(async () => {
    home = await tempHome();
    server = await startS3rver();
    s3 = new S3Store({ settings: server.settings('certs-test'), log: memoryLogger().log });
    await s3.check();
  });
  afterAll(async () => {
    s3.close();
    await server.stop();
    await home.cleanup();
  });

  test('local store: keys 0600, certificates 0644, and nginx uses the installed pair', async () => {
    const memory = memoryLogger();
    const store = new FsStore({ root: join(home.dir, 'backup'), log: memory.log });
    await store.putText('certs/nginx.crt', CERT);
    await store.putText('certs/nginx.key', KEY);
    await store.putText('certs/bundle.pem', `${CERT}${KEY}`);
    await store.putText('certs/sub/nested.crt', CERT);
    await store.putText('certs/.hidden.key', KEY);
    const settings = testSettings({ ROLEVISOR_HOME: home.dir });
    const dir = join(home.dir, 'certs');
    const installed = await installCertificates(store, dir, memory.log);
    expect(installed.map((c) => c.name).sort()).toEqual(['bundle.pem', 'nginx.crt', 'nginx.key']);
    expect(await mode(join(dir, 'nginx.crt'))).toBe(0o644);
    expect(await mode(join(dir, 'nginx.key'))).toBe(0o600);
    expect(await mode(join(dir, 'bundle.pem'))).toBe(0o600);
    expect(await readFile(join(dir, 'nginx.key'), 'utf8')).toBe(KEY);
    expect((await readdir(dir)).sort()).toEqual(['bundle.pem', 'nginx.crt', 'nginx.key']);
    const refused = memory
      .lines()
      .filter((l) => l.level === 'error')
      .map((l) => String(l.msg));
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^refusing to install "certs\/sub\/nested\.crt" .*subdirectory/),
        expect.stringMatching(/^refusing to install "certs\/\.hidden\.key" .*dot/),
      ]),
    );
    // No self-signed pair is generated over the installed one.
    expect(await ensureCertificate(settings, memory.log)).toEqual(certificatePair(settings));
    expect(await readFile(join(dir, 'nginx.crt'), 'utf8')).toBe(CERT);
  });

  test('S3: object names that try to escape are refused; nothing is written outside', async () => {
    const memory = memoryLogger();
    const put = (Key: string, Body: string) =>
      s3.client.send(new PutObjectCommand({ Bucket: 'certs-test', Key, Body }));
    await put('certs/site.crt', CERT);
    await put('certs/..\\evil.key', KEY);
    await put('certs/x/../../escape.crt', CERT);
    await put('certs/tab\tname.crt', CERT);
    const dir = join(home.dir, 's3certs');
    const installed = await installCertificates(s3, dir, memory.log);
    expect(installed.map((c) => c.name)).toEqual(['site.crt']);
    expect(await readdir(dir)).toEqual(['site.crt']);
    expect((await readdir(home.dir)).filter((n) => /escape|evil/.test(n))).toEqual([]);
    const listed = (await s3.list('certs/')).map((o) => o.key).filter((k) => k !== 'certs/site.crt');
    const refused = memory
      .lines()
      .filter((l) => l.level === 'error')
      .map((l) => String(l.msg));
    // Every odd key s3rver kept is refused by name.
    expect(listed.length).toBeGreaterThan(0);
    for (const key of listed)
      expect(refused.some((m) => m.startsWith(`refusing to install ${JSON.stringify(key)}`))).toBe(true);
  });
});
