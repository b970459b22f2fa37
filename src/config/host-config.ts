// This host's config.yml: the cluster's copy from the store (or, without one, the one
// rendered from the environment) with this host's backend addresses laid over it. It is
// written again whenever those addresses change (the backend came back elsewhere).
import yaml from 'js-yaml';
import { fetchClusterCa } from '../certs/cluster-tls.js';
import { CLUSTER_CA_CERT_KEY, clusterTlsFiles } from '../certs/cluster-tls-files.js';
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import { pathExists } from '../util/fsx.js';
import { usesClusterTls } from './cluster-tls-config.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import type { Identity } from '../util/identity.js';
import type { Endpoints } from './endpoints.js';
import { adoptAuthoritative, overlayEndpoints, type Authority } from './overlay.js';
import { renderConfig } from './render.js';
import { CONFIG_KEY, configThroughStore } from './store-config.js';
import { stableSecretKey, writeConfigFile } from './write.js';

const SETTINGS_OF: Record<Authority, string> = {
  sql: 'DBNAME/DBUSER/DBPASSWORD',
  redis: 'REDIS',
  rabbitmq: 'RABBITMQ',
};

/** The cluster CA the app verifies the backend with: the store's, or (no store) the backend's own. */
async function clusterCaFor(settings: Settings, store: Store | undefined, log: Logger): Promise<string> {
  const local = clusterTlsFiles(settings).caCert;
  const found = store ? await fetchClusterCa(settings, store, log) : (await pathExists(local)) ? local : undefined;
  if (found) return found;
  throw catalogError('RV_PREPARE_FAILED', 'clusterCaMissing', {
    missing: store ? `the ${store.describe()} holds no ${CLUSTER_CA_CERT_KEY}` : `${local} does not exist`,
  });
}

export class HostConfig {
  private constructor(
    private readonly settings: Settings,
    private base: string,
    readonly source: 'store' | 'environment',
    private readonly owner: Identity | undefined,
    /** This host's copy of the cluster CA, when config.yml uses CLUSTERTLS. */
    private caFile: string | undefined,
  ) {}

  /**
   * Chooses the base (the store's copy wins unless ENVIRONMENT_TAKES_PRECEDENCE; the first
   * boot uploads its own). `authorities`: the backend services this host runs, whose
   * credentials in the store's copy follow this host's environment (and are uploaded).
   */
  static async choose(
    settings: Settings,
    endpoints: Endpoints,
    store: Store | undefined,
    owner: Identity | undefined,
    log: Logger,
    authorities: Authority[] = [],
    /** Why the store's config.yml must not be rewritten (it is docassemble's own object, adopted). */
    keepStoreCopy?: string,
  ): Promise<HostConfig> {
    const rendered = renderConfig({ settings, endpoints, secretKey: await stableSecretKey(settings) });
    const chosen = store
      ? await configThroughStore(store, rendered, settings, log)
      : { content: rendered, source: 'environment' as const };
    let content = chosen.content;
    // With ENVIRONMENT_TAKES_PRECEDENCE this host uses its own rendering, but the app hosts
    // still read the store's copy: it must name the credentials this host's services take.
    const storeCopy = chosen.source === 'store' ? content : store && (await store.getText(CONFIG_KEY));
    if (store && storeCopy && authorities.length > 0) {
      const adopted = adoptAuthoritative(storeCopy, rendered, authorities);
      if (adopted.changed.length > 0 && keepStoreCopy) {
        if (chosen.source === 'store') content = adopted.content;
        log.warn(
          { changed: adopted.changed },
          `this host's config.yml uses its own credentials for ${adopted.changed.join(', ')} (${adopted.changed.map((c) => SETTINGS_OF[c]).join(', ')}); the store's ${CONFIG_KEY} is left as it is: ${keepStoreCopy}`,
        );
      } else if (adopted.changed.length > 0) {
        await store.putText(CONFIG_KEY, adopted.content);
        if (chosen.source === 'store') content = adopted.content;
        log.warn(
          { changed: adopted.changed },
          `the ${CONFIG_KEY} in the store named other credentials for ${adopted.changed.join(', ')} than this host, which runs them, was started with (${adopted.changed.map((c) => SETTINGS_OF[c]).join(', ')}): updated it in the store, so every host uses this host's`,
        );
      }
    }
    const caFile = usesClusterTls(yaml.load(content)) ? await clusterCaFor(settings, store, log) : undefined;
    return new HostConfig(settings, content, chosen.source, owner, caFile);
  }

  /** The cluster's copy changed (rotated credentials): later writes start from `content`. */
  adopt(content: string): void {
    this.base = content;
  }

  /** adopt(), and the cluster CA when the new copy turned CLUSTERTLS on (an app host that runs on). */
  async adoptFromStore(content: string, store: Store, log: Logger): Promise<void> {
    if (usesClusterTls(yaml.load(content)) && !this.caFile) this.caFile = await clusterCaFor(this.settings, store, log);
    this.adopt(content);
  }

  /** The cluster's copy this host's config.yml is written from. */
  get content(): string {
    return this.base;
  }

  /** Writes config.yml (0600, readable by the app user) with these endpoints; returns its path. */
  async write(endpoints: Endpoints): Promise<string> {
    return writeConfigFile(this.settings, overlayEndpoints(this.base, endpoints, this.caFile), this.owner);
  }
}
