// config.yml through the store: the copy in the store is the cluster's one truth (its secret
// key, passwords), so it wins over the one rendered from this host's environment, unless
// ENVIRONMENT_TAKES_PRECEDENCE (then the variables that are set override their own keys, as
// docassemble's config.py does). The first boot, finding none, uploads the rendered one.
import yaml from 'js-yaml';
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { overlayEnvironment } from './env-precedence.js';

export const CONFIG_KEY = 'config.yml';

export interface ChosenConfig {
  content: string;
  source: 'store' | 'environment';
}

export async function configThroughStore(
  store: Store,
  rendered: string,
  settings: Pick<Settings, 'environmentTakesPrecedence'> & { explicit?: readonly string[] },
  log: Logger,
): Promise<ChosenConfig> {
  const stored = await store.getText(CONFIG_KEY);
  if (stored === undefined) {
    await store.putText(CONFIG_KEY, rendered);
    log.info(`no ${CONFIG_KEY} in the store yet: uploaded the one rendered from the environment`);
    return { content: rendered, source: 'environment' };
  }
  try {
    yaml.load(stored);
  } catch (error) {
    if (settings.environmentTakesPrecedence) {
      log.warn(
        `the ${CONFIG_KEY} in the store is not valid YAML; ENVIRONMENT_TAKES_PRECEDENCE=true: using the one rendered from the environment (the store's copy is left as it is)`,
      );
      return { content: rendered, source: 'environment' };
    }
    throw catalogError('RV_CONFIG_INVALID', 'storedConfigYaml', {
      key: CONFIG_KEY,
      reason: (error as Error).message.split('\n')[0],
    });
  }
  if (settings.environmentTakesPrecedence) {
    const { content, overlaid } = overlayEnvironment(stored, rendered, settings.explicit ?? []);
    log.info(
      { overlaid },
      `ENVIRONMENT_TAKES_PRECEDENCE=true: the ${CONFIG_KEY} from the store with ${overlaid.length} key(s) from the environment (${overlaid.join(', ') || 'none set'}); the store's copy is left as it is`,
    );
    return { content, source: 'store' };
  }
  log.info(
    `using the ${CONFIG_KEY} from the store (set ENVIRONMENT_TAKES_PRECEDENCE=true to use the environment's instead)`,
  );
  return { content: stored, source: 'store' };
}
