// The credentials' part of a running host: on a backend, `rolevisor rotate-credentials`
// (through the control socket) makes new ones and applies them; on an app host, a watch on
// the store's config.yml re-renders this host's copy and restarts the app's services when
// the backend rotated. Started by container.ts once every service is ready.
import type { Endpoints } from './endpoints.js';
import type { HostConfig } from './host-config.js';
import type { Authority } from './overlay.js';
import { watchClusterCredentials } from './credentials-watch.js';
import { ROTATABLE, rotateCredentials, type RotateResult } from './rotate-credentials.js';
import { affectedServices } from '../discovery/lookup-plan.js';
import type { Logger } from '../log.js';
import type { RoleCatalog } from '../roles/catalog.js';
import type { Settings } from '../settings/types.js';
import type { Store } from '../store/store.js';
import type { BuiltService } from '../supervisor/build.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export interface CredentialRuntimeOptions {
  settings: Settings;
  catalog: RoleCatalog;
  built: BuiltService[];
  store: Store | undefined;
  hostConfig: HostConfig;
  supervisor: Supervisor;
  log: Logger;
  /** The backend's current addresses (they change when it moves). */
  endpoints: () => Endpoints;
}

export interface CredentialRuntime {
  /** On a host that owns credentials: rotates them (all, or one service). */
  rotate: ((service: string | undefined) => Promise<RotateResult>) | undefined;
  stop: () => Promise<void>;
}

export function startCredentialRuntime(options: CredentialRuntimeOptions): CredentialRuntime {
  const { settings, catalog, built, store, hostConfig, supervisor, log } = options;
  const authorities: Authority[] = catalog.ownedCredentials([...new Set(built.map((b) => b.plan.role))]);
  const users = (changed: Authority[]) => affectedServices(changed, settings.roles, catalog);
  const watch =
    store && authorities.length === 0 && !settings.environmentTakesPrecedence && users([...ROTATABLE]).length > 0
      ? watchClusterCredentials({
          store,
          log,
          initial: hostConfig.content,
          onChange: async (content) => {
            await hostConfig.adoptFromStore(content, store, log);
            await hostConfig.write(options.endpoints());
            await supervisor.restart(users([...ROTATABLE]));
          },
        })
      : undefined;
  // The backend's own services (that take the new credential live) are never restarted.
  const backend = new Set(
    built.filter((b) => catalog.ownedCredentials([b.plan.role]).length > 0).map((b) => b.plan.name),
  );
  const rotate =
    authorities.length > 0
      ? (service: string | undefined) =>
          rotateCredentials(
            {
              settings,
              built,
              store,
              hostConfig,
              endpoints: options.endpoints(),
              log,
              restartUsers: async (rotated) => {
                const local = users(rotated).filter((name) => !backend.has(name));
                if (local.length > 0) await supervisor.restart(local);
              },
            },
            service,
          )
      : undefined;
  return { rotate, stop: async () => watch?.stop() };
}
