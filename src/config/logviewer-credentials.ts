// The log viewer's password when LOGVIEWPASSWORD is unset: generated at the first boot of
// the log host, kept in the store (so a new container or volume keeps it) and in
// <home>/secrets/logviewer.password (0600, root), where `rolevisor status` points.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { registerSecrets } from '../log.js';
import { logViewerPasswordFile } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { ensureDir, writeSecretFile } from '../util/fsx.js';
import { ensureGeneratedSecret } from '../util/generated-secret.js';

export const LOGVIEWER_USER = 'rolevisor';
export const LOGVIEWER_PASSWORD_KEY = 'credentials/logviewer.password';

/** Makes the local password file agree with the store's (or gives the store this host's). */
export async function syncLogViewerPassword(settings: Settings, store: Store | undefined, log: Logger): Promise<void> {
  if (settings.log.viewPassword !== undefined) return;
  const file = logViewerPasswordFile(settings);
  await ensureDir(dirname(file), { mode: 0o700 });
  const stored = (await store?.getText(LOGVIEWER_PASSWORD_KEY))?.trim();
  if (stored) {
    registerSecrets([stored]);
    const local = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (local !== stored) await writeSecretFile(file, `${stored}\n`);
    return;
  }
  const secret = await ensureGeneratedSecret(file, { length: 32 });
  registerSecrets([secret.value]);
  if (store) await store.putText(LOGVIEWER_PASSWORD_KEY, `${secret.value}\n`);
  log.info(
    `the log viewer asks for user "${LOGVIEWER_USER}" and the password in ${file}${secret.created ? ' (generated now)' : ''}${store ? `, also kept in the ${store.describe()} as ${LOGVIEWER_PASSWORD_KEY}` : ''}`,
  );
}
