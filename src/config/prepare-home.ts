// ROLEVISOR_HOME before any service starts: its folders, config.yml (the store's copy wins)
// and the certificates from the store.
import { installCertificates } from '../certs/install.js';
import type { Logger } from '../log.js';
import { certsDir } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { ensureDir } from '../util/fsx.js';
import type { Identity } from '../util/identity.js';
import type { Endpoints } from './endpoints.js';
import { HostConfig } from './host-config.js';
import type { Authority } from './overlay.js';

/** ROLEVISOR_HOME, traversable by the service users; each service's own dirs are private to it. */
export async function prepareDirs(settings: Settings): Promise<void> {
  await ensureDir(settings.home, { mode: 0o755 });
  for (const sub of ['data', 'conf', 'run']) await ensureDir(`${settings.home}/${sub}`, { mode: 0o755 });
}

export interface HomeOptions {
  /** The app's user, who must read config.yml (undefined: no app here, or not root). */
  appOwner: Identity | undefined;
  /** The credentials in config.yml this host's services own (roles/*.yml owns_credentials). */
  authorities: Authority[];
  store: Store | undefined;
  endpoints: Endpoints;
  /** The store's config.yml is docassemble's own object (adopted): never rewritten. */
  keepStoreConfig?: boolean;
}

/** config.yml and the certificates. */
export async function prepareHome(settings: Settings, options: HomeOptions, log: Logger): Promise<HostConfig> {
  const { appOwner, authorities, store, endpoints } = options;
  const keep = options.keepStoreConfig
    ? "it is docassemble's own object (adopted), and rolevisor never changes those"
    : undefined;
  const config = await HostConfig.choose(settings, endpoints, store, appOwner, log, authorities, keep);
  const path = await config.write(endpoints);
  log.info({ path, source: config.source }, 'config.yml written');
  if (store) await installCertificates(store, certsDir(settings), log);
  return config;
}
