// Certificates from the store: every object under certs/ is installed into <home>/certs,
// where nginx reads nginx.crt and nginx.key. Private keys get 0600, certificates 0644.
// A name is used as a file name only if it is one plain segment: anything that could
// escape the directory (.., /, \, control characters, a leading dot) is refused and logged.
import { mkdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { writeFileAtomic } from '../util/fsx.js';

export const CERTS_PREFIX = 'certs/';
/** Certificates and keys are small; anything bigger is not one. */
const MAX_CERT_BYTES = 1024 * 1024;
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** Why an object name under certs/ is refused, or undefined when it may be installed. */
export function certNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.includes('/') || name.includes('\\')) return 'it names a subdirectory or a path';
  if (name === '.' || name === '..' || name.startsWith('.')) return 'it starts with a dot';
  if (!SAFE_NAME.test(name)) return 'use letters, digits, ".", "_" and "-" only';
  return undefined;
}

/** Private keys are private whatever their name; everything else is a public certificate. */
export function isPrivateKey(name: string, content: Buffer): boolean {
  return name.endsWith('.key') || content.includes('PRIVATE KEY-----');
}

async function readSmall(stream: Readable, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > MAX_CERT_BYTES) {
      stream.destroy();
      throw new Error(`${key} is larger than ${MAX_CERT_BYTES} bytes: not a certificate`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface InstalledCert {
  name: string;
  path: string;
  mode: number;
}

export async function installCertificates(store: Store, dir: string, log: Logger): Promise<InstalledCert[]> {
  const objects = await store.list(CERTS_PREFIX);
  const installed: InstalledCert[] = [];
  if (objects.length === 0) return installed;
  const root = resolve(dir);
  for (const object of objects) {
    const name = object.key.slice(CERTS_PREFIX.length);
    const problem = certNameProblem(name);
    const target = resolve(join(root, name));
    if (problem || !target.startsWith(root + sep)) {
      log.error(
        { key: object.key },
        `refusing to install ${JSON.stringify(object.key)} from the store: ${problem ?? 'it would land outside the certificates directory'}; rename it to a plain file name under certs/`,
      );
      continue;
    }
    try {
      const content = await readSmall(await store.get(object.key), object.key);
      const mode = isPrivateKey(name, content) ? 0o600 : 0o644;
      await mkdir(root, { recursive: true, mode: 0o755 });
      await writeFileAtomic(target, content, { mode });
      installed.push({ name, path: target, mode });
    } catch (error) {
      log.error({ key: object.key }, `could not install ${object.key} from the store: ${(error as Error).message}`);
    }
  }
  if (installed.length > 0)
    log.info(
      { certs: installed.map((c) => c.name), dir: root },
      `installed ${installed.length} certificate file(s) from the store into ${root}`,
    );
  return installed;
}
