// The life of one container (`rolevisor run`), in three phases that share one StopRequest:
//   boot       plan → services built → status server → store opened and state restored →
//              backend endpoints → config.yml and certificates → the supervisor
//   supervise  services started in dependency order, the cluster link, scheduled backups;
//              then wait until a signal or a failure asks to stop
//   stop       discovery records first, the front services, the backup, the back services,
//              the servers; the exit code
// A signal during boot ends its waits at once and goes straight to the stop.
import type { Server } from 'node:http';
import { StateLifecycle } from './backup/lifecycle.js';
import { localEndpoints, type Endpoints } from './config/endpoints.js';
import type { HostConfig } from './config/host-config.js';
import { prepareClusterTls } from './certs/cluster-tls.js';
import { clusterTlsActive } from './certs/cluster-tls-files.js';
import { ensureClusterCredentials } from './config/cluster-credentials.js';
import { startCredentialRuntime, type CredentialRuntime } from './config/credentials-runtime.js';
import { syncLogViewerPassword } from './config/logviewer-credentials.js';
import { prepareDirs, prepareHome } from './config/prepare-home.js';
import { startControlServer } from './control/server.js';
import { ClusterLink } from './discovery/cluster-link.js';
import { resolveEndpoints } from './discovery/lookup.js';
import { catalogError, EXIT, formatError } from './errors.js';
import { registerSecrets, type Logger } from './log.js';
import { containerLog } from './logship/container-log.js';
import type { SwitchableSink } from './logship/switchable.js';
import type { RoleCatalog } from './roles/catalog.js';
import { planServices, type PlannedService } from './roles/plan.js';
import { controlSocketPath } from './settings/paths.js';
import type { Settings } from './settings/types.js';
import { RuntimeState, type BackupRecord } from './status/runtime.js';
import { startStatusServer } from './status/server.js';
import { describeStore } from './store/describe.js';
import type { Store } from './store/store.js';
import { buildServices, type BuiltService } from './supervisor/build.js';
import { Child } from './supervisor/child.js';
import { checkHomeReachable } from './supervisor/home-reach.js';
import { checkPortConflicts } from './supervisor/ports.js';
import { onShutdownSignal } from './supervisor/signals.js';
import { Supervisor } from './supervisor/supervisor.js';
import { StopRequest } from './stop-request.js';
import { VERSION } from './version.js';

/** Leaves this much of STOPTIMEOUT unused, so we exit before the runtime's SIGKILL. */
const STOP_MARGIN_MS = 1000;

export interface RunOptions {
  settings: Settings;
  catalog: RoleCatalog;
}

/** What every phase reads. */
interface Container extends RunOptions {
  log: Logger;
  forwarding: SwitchableSink | undefined;
  state: RuntimeState;
  stop: StopRequest;
  /** Ends the signal handling, at the very end of the stop. */
  removeSignals: () => void;
  /** What has been started so far: the stop phase stops exactly that. */
  started: {
    servers: Server[];
    lifecycle?: StateLifecycle;
    supervisor?: Supervisor;
    link?: ClusterLink;
    credentials?: CredentialRuntime;
  };
}

/** What boot hands to supervise. */
interface Booted {
  plan: PlannedService[];
  supervisor: Supervisor;
  lifecycle: StateLifecycle;
  store: Store | undefined;
  endpoints: Endpoints;
  hostConfig: HostConfig;
  built: BuiltService[];
}

export async function runContainer({ settings, catalog }: RunOptions): Promise<number> {
  registerSecrets(settings.secrets);
  const { log, forwarding } = await containerLog(settings);
  const bootStarted = Date.now();
  log.info(
    { roles: settings.roles, home: settings.home, version: VERSION },
    `rolevisor ${VERSION} starting roles ${settings.roles.join(', ') || '(none)'}`,
  );
  for (const warning of settings.warnings) log.warn(warning);
  if (Number(process.versions.node.split('.')[0]) < 22) {
    log.warn(
      { node: process.version },
      `Node.js ${process.version} is past its end of life, and AWS SDK releases from January 2027 need Node.js 22 or later: run rolevisor on Node.js 22 (the image does)`,
    );
  }
  const container: Container = {
    settings,
    catalog,
    log,
    forwarding,
    state: new RuntimeState(settings.roles, describeStore(settings), VERSION),
    stop: new StopRequest(),
    removeSignals: () => undefined,
    started: { servers: [] },
  };
  container.removeSignals = onShutdownSignal(log, (request) => {
    container.state.phase = 'stopping';
    container.stop.bySignal(request);
  });
  try {
    await supervise(container, await boot(container), bootStarted);
  } catch (error) {
    container.stop.absorb(error);
  }
  return stopContainer(container);
}

async function boot(container: Container): Promise<Booted> {
  const { settings, catalog, log, state, stop, started, forwarding } = container;
  const plan = planServices(settings.roles, catalog);
  const built = await buildServices(settings, plan, catalog.dir, log);
  checkPortConflicts([
    ...built.flatMap((b) => b.service.listeners().map((l) => ({ ...l, owner: b.plan.name }))),
    { name: 'status', port: settings.status.port, bind: settings.status.bind, owner: 'rolevisor' },
  ]);
  await checkHomeReachable(settings, built);
  await prepareDirs(settings);
  // Up first: /healthz answers (and /readyz says 503) while the boot waits for the store or the backend.
  started.servers.push(await startStatusServer(state, settings.status.bind, settings.status.port, log));
  started.servers.push(
    await startControlServer(
      controlSocketPath(settings),
      state,
      {
        backup: () => backupNow(started.lifecycle),
        rotateCredentials: async (service) => {
          const rotate = started.credentials?.rotate;
          if (!rotate) throw catalogError('RV_ROTATE_FAILED', 'noBackend');
          return rotate(service);
        },
      },
      log,
    ),
  );

  // The store: fail closed, restore what is empty, before any service starts.
  state.waitingFor = `the store to answer and the restore of what is empty: ${describeStore(settings)} (STORECHECKTIMEOUT ${settings.storeCheckTimeoutSec} s)`;
  const lifecycle = await StateLifecycle.boot({ settings, built, state, log, version: VERSION, signal: stop.signal });
  started.lifecycle = lifecycle;
  const store = lifecycle.store;
  // Before the services and config.yml read them: the credentials this backend generates or keeps.
  const roles = [...new Set(built.map((b) => b.plan.role))];
  await ensureClusterCredentials(settings, catalog.ownedCredentials(roles), store, log);
  // CLUSTERTLS: the cluster CA (kept in the store) and this boot's server certificate.
  if (clusterTlsActive(settings) && catalog.ownedCredentials(roles).length > 0)
    await prepareClusterTls(settings, store, log);
  if (built.some((b) => b.service.kind === 'logviewer')) await syncLogViewerPassword(settings, store, log);
  // Where the backend is: settings, this host, or discovery records in the store (bounded wait).
  const endpoints = store
    ? await resolveEndpoints(settings, store, log, {
        timeoutMs: settings.discovery.timeoutSec * 1000,
        catalog,
        signal: stop.signal,
        onWaiting: (what) => {
          state.waitingFor = what;
        },
      })
    : localEndpoints(settings);
  state.waitingFor = 'the services to start';
  await forwarding?.point(endpoints.logServer);
  if (endpoints.logServer) log.info(`forwarding logs to ${endpoints.logServer}`);
  const hostConfig = await prepareHome(
    settings,
    { ...homeFacts(catalog, built, store, endpoints), keepStoreConfig: lifecycle.keepStoreConfig },
    log,
  );

  const supervisor = new Supervisor(
    built.map(
      (b) =>
        new Child(b.plan, b.service, b.ctx.identity, b.ctx.log, {
          onFatal: (_child, reason) => stop.byFailure(catalogError('RV_SERVICE_FAILED', 'critical', { reason })),
          afterReady: lifecycle.afterReady,
        }),
    ),
    log,
  );
  started.supervisor = supervisor;
  state.services = () => supervisor.status();
  state.allReady = () => supervisor.allReady();
  return { plan, supervisor, lifecycle, store, endpoints, hostConfig, built };
}

/** The role facts config.yml needs: who reads it (the app's user) and whose credentials win. */
function homeFacts(catalog: RoleCatalog, built: BuiltService[], store: Store | undefined, endpoints: Endpoints) {
  const roles = [...new Set(built.map((b) => b.plan.role))];
  const appOwner = built.find((b) => catalog.runsApp([b.plan.role]) && b.ctx.identity)?.ctx.identity;
  return { appOwner, authorities: catalog.ownedCredentials(roles), store, endpoints };
}

async function supervise(container: Container, booted: Booted, bootStarted: number): Promise<void> {
  const { settings, catalog, log, state, stop, started, forwarding } = container;
  const { plan, supervisor, lifecycle, store, endpoints, hostConfig, built } = booted;
  let currentEndpoints = endpoints;
  if (stop.isRequested) return;
  await Promise.race([supervisor.start(), stop.requested]);
  if (stop.isRequested) return;
  if (store) {
    started.link = await ClusterLink.start({
      settings,
      store,
      catalog,
      log,
      endpoints,
      apply: async (change, restart) => {
        currentEndpoints = change.endpoints;
        const path = await hostConfig.write(change.endpoints);
        log.info({ path, changed: change.changed }, `config.yml rewritten for the moved ${change.changed.join(', ')}`);
        if (change.endpoints.logServer !== change.previous.logServer) {
          await forwarding?.point(change.endpoints.logServer);
          log.info(`forwarding logs to ${change.endpoints.logServer ?? '(nowhere)'}`);
        }
        await supervisor.restart(restart);
      },
    });
  }
  started.credentials = startCredentialRuntime({
    settings,
    catalog,
    built,
    store,
    hostConfig,
    supervisor,
    log,
    endpoints: () => currentEndpoints,
  });
  state.phase = 'running';
  lifecycle.startSchedule();
  log.info(
    { bootMs: Date.now() - bootStarted, services: plan.map((p) => p.name) },
    `all services ready in ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`,
  );
  await stop.requested;
}

async function stopContainer(container: Container): Promise<number> {
  const { settings, log, state, stop, started, forwarding } = container;
  const { lifecycle, supervisor, link, servers, credentials } = started;
  // /readyz answers 503 from here on, so a load balancer drains this host first.
  state.phase = 'stopping';
  const deadline = stop.deadline(settings.stopTimeoutSec, STOP_MARGIN_MS);
  // This host's discovery records go first: app hosts keep the last address rather than follow a dying one.
  await credentials?.stop();
  await link?.stop(Math.min(5000, Math.max(500, (deadline - Date.now()) / 10)));
  if (supervisor) {
    const stopStarted = Date.now();
    await supervisor.stop({ deadline, betweenPhases: lifecycle?.stopPhase(deadline, () => state.services()) });
    log.info(
      { stopMs: Date.now() - stopStarted },
      `all services stopped in ${((Date.now() - stopStarted) / 1000).toFixed(1)} s`,
    );
  }
  state.phase = 'stopped';
  lifecycle?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  container.removeSignals();
  const { fatal } = stop;
  if (fatal) log.error({ code: fatal.code, exitCode: fatal.exitCode }, formatError(fatal));
  else log.info('rolevisor stopped cleanly');
  await forwarding?.close(Math.max(200, Math.min(2000, deadline - Date.now())));
  return fatal ? fatal.exitCode : EXIT.ok;
}

async function backupNow(lifecycle: StateLifecycle | undefined): Promise<BackupRecord> {
  if (!lifecycle) throw catalogError('RV_BACKUP_FAILED', 'storeOpening');
  return lifecycle.backup();
}
