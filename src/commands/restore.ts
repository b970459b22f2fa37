// `rolevisor restore --generation ID`: an offline restore into empty data directories.
import { restoreOffline, type RestoreChoice } from '../backup/offline-restore.js';
import { EXIT } from '../errors.js';
import type { Logger } from '../log.js';
import type { RoleCatalog } from '../roles/catalog.js';
import type { Settings } from '../settings/types.js';

export async function restoreCommand(
  settings: Settings,
  catalog: RoleCatalog,
  choice: RestoreChoice,
  log: Logger,
): Promise<number> {
  const started = Date.now();
  const restored = await restoreOffline(settings, catalog, choice, log);
  const what = 'generation' in choice ? `generation ${choice.generation}` : `the state at ${choice.time.toISOString()}`;
  log.info(
    { ...choice, services: restored, durationMs: Date.now() - started },
    `restored ${restored.join(' and ')} from ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s; "rolevisor run" keeps this data`,
  );
  return EXIT.ok;
}
