// `rolevisor render-config`: the config.yml that `run` would write.
import { localEndpoints } from '../config/endpoints.js';
import { renderConfig } from '../config/render.js';
import { EXIT } from '../errors.js';
import type { Settings } from '../settings/types.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function renderConfigCommand(settings: Settings, out: NodeJS.WritableStream): number {
  // Show the key a running instance uses when there is one; never create state here.
  const keyFile = join(settings.home, 'secrets', 'app-secret-key');
  const secretKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '(generated at first run)';
  out.write(renderConfig({ settings, endpoints: localEndpoints(settings), secretKey }));
  return EXIT.ok;
}
