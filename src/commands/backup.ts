// `rolevisor backup`: asks the running instance (its local control socket) for a backup now
// and waits for it; a backup already running is joined.
import { controlRequest } from '../control/client.js';
import { catalogError, EXIT } from '../errors.js';
import { controlSocketPath } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { BackupRecord } from '../status/runtime.js';
import { formatBytes } from '../util/progress.js';

const SIX_HOURS_MS = 6 * 3600 * 1000;

export async function backupCommand(settings: Settings, out: NodeJS.WritableStream): Promise<number> {
  const { status, body } = await controlRequest<Partial<BackupRecord> & { error?: string }>(
    controlSocketPath(settings),
    'POST',
    '/backup',
    SIX_HOURS_MS,
  );
  if (status !== 200 || !body.ok) {
    throw catalogError('RV_BACKUP_FAILED', 'instanceAnswer', { error: body.error, status });
  }
  out.write(
    `generation ${body.generation}: ${formatBytes(body.bytes ?? 0)} in ${((body.durationMs ?? 0) / 1000).toFixed(1)} s\n`,
  );
  return EXIT.ok;
}
