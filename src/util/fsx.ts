// Directory and file creation with the owner and mode a service needs. Files holding
// secrets or keys are written 0600 from the start (never created world-readable first).
import { access, chmod, chown, mkdir, open, readdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Identity } from './identity.js';

/** mkdir -p, then set mode and (when root gave us an identity) owner of the leaf. */
export async function ensureDir(path: string, options: { mode?: number; owner?: Identity } = {}): Promise<void> {
  await mkdir(path, { recursive: true, mode: options.mode ?? 0o755 });
  if (options.mode !== undefined) await chmod(path, options.mode);
  if (options.owner) await chown(path, options.owner.uid, options.owner.gid);
}

/** Writes atomically (temp file + rename) with the given mode and owner. */
export async function writeFileAtomic(
  path: string,
  content: string | Buffer,
  options: { mode?: number; owner?: Identity } = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    if (options.owner) await handle.chown(options.owner.uid, options.owner.gid);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export const writeSecretFile = (path: string, content: string | Buffer, owner?: Identity): Promise<void> =>
  writeFileAtomic(path, content, { mode: 0o600, owner });

/** A missing directory counts as empty. */
export async function isEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

export const pathExists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
