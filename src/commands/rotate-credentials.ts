// `rolevisor rotate-credentials [--service NAME]`: asks the running backend (its local
// control socket) for new generated credentials; prints what was rotated, never the values.
import { controlRequest } from '../control/client.js';
import { catalogError, EXIT } from '../errors.js';
import { controlSocketPath } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { RotateResult } from '../config/rotate-credentials.js';

export async function rotateCredentialsCommand(
  settings: Settings,
  service: string | undefined,
  out: NodeJS.WritableStream,
): Promise<number> {
  const path = `/rotate-credentials${service ? `?service=${encodeURIComponent(service)}` : ''}`;
  const { status, body } = await controlRequest<Partial<RotateResult> & { error?: string }>(
    controlSocketPath(settings),
    'POST',
    path,
    120_000,
  );
  if (status !== 200) throw catalogError('RV_ROTATE_FAILED', 'instanceAnswer', { error: body.error, status });
  for (const s of body.rotated ?? []) out.write(`${s}: rotated (the new credential is in the cluster's config.yml)\n`);
  for (const s of body.skipped ?? []) out.write(`${s.service}: not rotated: ${s.reason}\n`);
  if ((body.rotated ?? []).length === 0) out.write('nothing was rotated\n');
  return EXIT.ok;
}
