// The directories of a backend service: parents traversable (0755, root's), the leaf owned
// by the service user with the mode it needs (0700 for data and conf).
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureDir } from '../../util/fsx.js';
import type { Identity } from '../../util/identity.js';

export async function ensureServiceDir(path: string, mode: number, owner: Identity | undefined): Promise<void> {
  // mkdir -p with a mode would give every missing parent that mode too (0700 parents would
  // lock the service user out of its own leaf).
  await mkdir(dirname(path), { recursive: true });
  await ensureDir(path, { mode, owner });
}
