// This host's config.yml: the cluster's copy from the store (or, without one, the one
// rendered from the environment) with this host's backend addresses laid over it. It is
// written again whenever those addresses change (the backend came back elsewhere).
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../services/types.js';
import type { Endpoints } from './endpoints.js';
import { overlayEndpoints } from './overlay.js';
import { renderConfig } from './render.js';
import { configThroughStore } from './store-config.js';
import { stableSecretKey, writeConfigFile } from './write.js';

export class HostConfig {
  private constructor(
    private readonly settings: Settings,
    private readonly base: string,
    readonly source: 'store' | 'environment',
    private readonly owner: Identity | undefined,
  ) {}

  /** Chooses the base (the store's copy wins unless ENVIRONMENT_TAKES_PRECEDENCE; the first boot uploads its own). */
  static async choose(settings: Settings, endpoints: Endpoints, store: Store | undefined, owner: Identity | undefined, log: Logger): Promise<HostConfig> {
    const rendered = renderConfig({ settings, endpoints, secretKey: await stableSecretKey(settings) });
    const { content, source } = store ? await configThroughStore(store, rendered, settings, log) : { content: rendered, source: 'environment' as const };
    return new HostConfig(settings, content, source, owner);
  }

  /** Writes config.yml (0600, readable by the app user) with these endpoints; returns its path. */
  async write(endpoints: Endpoints): Promise<string> {
    return writeConfigFile(this.settings, overlayEndpoints(this.base, endpoints), this.owner);
  }
}
