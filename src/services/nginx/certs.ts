// The TLS pair nginx serves with USEHTTPS: certs/nginx.crt and certs/nginx.key (the names
// docassemble uses), installed from the store; when there is none, a self-signed pair.
import { generateKeyPair } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { catalogError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { certsDir } from '../../settings/paths.js';
import type { Settings } from '../../settings/types.js';
import { writeFileAtomic, writeSecretFile } from '../../util/fsx.js';

export interface CertificatePair {
  certificate: string;
  key: string;
}

const SELF_SIGNED_DAYS = 825;

export const certificatePair = (settings: Settings): CertificatePair => ({
  certificate: join(certsDir(settings), 'nginx.crt'),
  key: join(certsDir(settings), 'nginx.key'),
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The pair in certs/, generating a self-signed one (key 0600, never world-readable) if absent. */
export async function ensureCertificate(settings: Settings, log: Logger): Promise<CertificatePair> {
  const pair = certificatePair(settings);
  const [haveCert, haveKey] = await Promise.all([exists(pair.certificate), exists(pair.key)]);
  if (haveCert && haveKey) return pair;
  if (haveCert !== haveKey) {
    const [found, missing] = haveCert ? [pair.certificate, pair.key] : [pair.key, pair.certificate];
    throw catalogError('RV_PREPARE_FAILED', 'certPair', { found, missing });
  }
  const name = settings.web.hostname ?? 'localhost';
  await mkdir(certsDir(settings), { recursive: true, mode: 0o700 });
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  await writeSecretFile(pair.key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const altNames = [...new Set([name, 'localhost', '127.0.0.1'])]
    .map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`))
    .join(',');
  const { stdout } = await execa(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-new',
      '-key',
      pair.key,
      '-sha256',
      '-days',
      String(SELF_SIGNED_DAYS),
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=${altNames}`,
    ],
    { env: { PATH: '/usr/bin:/bin' }, extendEnv: false },
  );
  await writeFileAtomic(pair.certificate, `${stdout}\n`, { mode: 0o644 });
  log.warn(
    { certificate: pair.certificate, name, days: SELF_SIGNED_DAYS },
    "no certificate in certs/: generated a self-signed one; browsers will warn until you put nginx.crt and nginx.key in the store's certs/",
  );
  return pair;
}
