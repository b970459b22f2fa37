// One host's part in the cluster, for container.ts: once its services are ready it publishes the
// backend services it runs, and it follows the backend services it uses (a move re-writes
// config.yml, re-points log forwarding and restarts the services that use them). Both stop
// before the services do, so a clean stop removes this host's records first.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Endpoints } from '../config/endpoints.js';
import type { Logger } from '../log.js';
import type { RoleCatalog } from '../roles/catalog.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import { affectedServices } from './lookup-plan.js';
import { detectOwnAddress } from './own-address.js';
import { startPublishing, type Publisher } from './publish.js';
import { publishedRecords } from './published-records.js';
import { watchEndpoints, type EndpointChange, type Watcher } from './watch.js';

export interface LinkOptions {
  settings: Settings;
  store: Store;
  catalog: RoleCatalog;
  log: Logger;
  /** The endpoints the running config was written with. */
  endpoints: Endpoints;
  /** Applies moved endpoints: config.yml, log forwarding, restarts of `restart`. */
  apply: (change: EndpointChange, restart: string[]) => Promise<void>;
}

export class ClusterLink {
  private constructor(
    private readonly publisher: Publisher | undefined,
    private readonly watcher: Watcher,
  ) {}

  static async start({ settings, store, catalog, log, endpoints, apply }: LinkOptions): Promise<ClusterLink> {
    let publisher: Publisher | undefined;
    const own = publishedRecords(settings, catalog, '');
    if (own.length > 0) {
      const { address } = await detectOwnAddress(settings, log.child({ component: 'discovery' }));
      publisher = await startPublishing(store, publishedRecords(settings, catalog, address), log, {
        ttlSeconds: settings.discovery.ttlSec,
      });
    }
    const watcher = watchEndpoints(settings, store, log, {
      initial: endpoints,
      catalog,
      onChange: (change) => apply(change, affectedServices(change.changed, settings.roles, catalog)),
    });
    return new ClusterLink(publisher, watcher);
  }

  /** Stops following and deletes this host's records (bounded by timeoutMs). */
  async stop(timeoutMs: number): Promise<void> {
    // A restart for a moved backend may be under way: the stop does not wait for it long.
    await Promise.race([this.watcher.stop(), sleep(timeoutMs, undefined, { ref: false })]);
    await this.publisher?.stop({ timeoutMs });
  }
}
