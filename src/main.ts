// The life of one container: settings → plan → boot → supervise → SIGTERM → stop → exit.
// This module only wires the steps together.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { StateLifecycle } from './backup/lifecycle.js';
import { installCertificates } from './certs/install.js';
import { EXIT, formatError, isRolevisorError, RolevisorError } from './errors.js';
import { createLogger, registerSecrets, type Logger } from './log.js';
import { localEndpoints, type Endpoints } from './config/endpoints.js';
import { ensureClusterCredentials } from './config/cluster-credentials.js';
import { watchClusterCredentials } from './config/credentials-watch.js';
import { HostConfig } from './config/host-config.js';
import { ROTATABLE, rotateCredentials, type RotateResult } from './config/rotate-credentials.js';
import { affectedServices } from './discovery/lookup-plan.js';
import { syncLogViewerPassword } from './config/logviewer-credentials.js';
import type { Authority } from './config/overlay.js';
import { startControlServer } from './control/server.js';
import { ClusterLink } from './discovery/cluster-link.js';
import { resolveEndpoints } from './discovery/lookup.js';
import { logForwarderFor } from './logship/from-settings.js';
import { forwardingStream } from './logship/pino-stream.js';
import { SwitchableSink } from './logship/switchable.js';
import type { RoleCatalog } from './roles/catalog.js';
import { planServices } from './roles/plan.js';
import { certsDir, controlSocketPath } from './settings/paths.js';
import type { Settings } from './settings/types.js';
import { RuntimeState, type BackupRecord } from './status/runtime.js';
import { startStatusServer } from './status/server.js';
import type { Store } from './store/store.js';
import { describeStore } from './store/describe.js';
import { buildServices, type BuiltService } from './supervisor/build.js';
import { Child } from './supervisor/child.js';
import { checkHomeReachable } from './supervisor/home-reach.js';
import { checkPortConflicts } from './supervisor/ports.js';
import { onShutdownSignal, type ShutdownRequest } from './supervisor/signals.js';
import { Supervisor } from './supervisor/supervisor.js';
import { ensureDir } from './util/fsx.js';
import { identityFor } from './util/identity.js';
import pino from 'pino';

/** Leaves this much of STOPTIMEOUT unused, so we exit before the runtime's SIGKILL. */
const STOP_MARGIN_MS = 1000;
const APP_USER = 'www-data';
const BACKEND_KINDS = new Set(['postgres', 'redis', 'rabbitmq', 'epmd']);

export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface RunOptions {
  settings: Settings;
  catalog: RoleCatalog;
}

export async function runContainer({ settings, catalog }: RunOptions): Promise<number> {
  registerSecrets(settings.secrets);
  const stdout = pino.destination({ fd: 1, sync: true });
  // Log forwarding: to LOGSERVER, or to the log server discovery finds (its early lines wait).
  const forwarding = settings.log.forwardingDisabled
    ? undefined
    : new SwitchableSink((server) => logForwarderFor(settings, server));
  const log = createLogger({
    level: settings.logLevel,
    destination: forwarding ? forwardingStream(forwarding, 'rolevisor', stdout) : stdout,
  });
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

  const state = new RuntimeState(settings.roles, describeStore(settings), VERSION);
  let shutdown: ShutdownRequest | undefined;
  let fatal: RolevisorError | undefined;
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const stopping = new AbortController();
  let supervisor: Supervisor | undefined;
  let lifecycle: StateLifecycle | undefined;
  let link: ClusterLink | undefined;
  let credentialsWatch: { stop: () => Promise<void> } | undefined;
  let rotate: ((service: string | undefined) => Promise<RotateResult>) | undefined;
  const servers: Server[] = [];
  const removeSignals = onShutdownSignal(log, (request) => {
    shutdown = request;
    state.phase = 'stopping';
    stopping.abort(new Error('stopped by a signal during boot'));
    wake();
  });

  try {
    const plan = planServices(settings.roles, catalog);
    const built = await buildServices(settings, plan, catalog.dir, log);
    checkPortConflicts([
      ...built.flatMap((b) => b.service.listeners().map((l) => ({ ...l, owner: b.plan.name }))),
      { name: 'status', port: settings.status.port, bind: settings.status.bind, owner: 'rolevisor' },
    ]);
    await checkHomeReachable(settings, built);
    await prepareDirs(settings);
    // Up first: /healthz answers (and /readyz says 503) while the boot waits for the store or the backend.
    servers.push(await startStatusServer(state, settings.status.bind, settings.status.port, log));
    servers.push(
      await startControlServer(
        controlSocketPath(settings),
        state,
        {
          backup: () => backupNow(lifecycle),
          rotateCredentials: async (service) => {
            if (!rotate)
              throw new RolevisorError(
                'RV_ROTATE_FAILED',
                'this host runs no backend service (sql, redis, rabbitmq); run rolevisor rotate-credentials on the backend host',
              );
            return rotate(service);
          },
        },
        log,
      ),
    );

    // The store: fail closed, restore what is empty, before any service starts.
    lifecycle = await StateLifecycle.boot({ settings, built, state, log, version: VERSION, signal: stopping.signal });
    const stateful = lifecycle;
    const store = lifecycle.store;
    // Before the services and config.yml read them: the credentials this backend generates or keeps.
    await ensureClusterCredentials(settings, authoritiesOf(built), store, log);
    if (built.some((b) => b.service.kind === 'logviewer')) await syncLogViewerPassword(settings, store, log);
    // Where the backend is: settings, this host, or discovery records in the store (bounded wait).
    const endpoints = store
      ? await resolveEndpoints(settings, store, log, {
          timeoutMs: settings.discovery.timeoutSec * 1000,
          catalog,
          signal: stopping.signal,
        })
      : localEndpoints(settings);
    await forwarding?.point(endpoints.logServer);
    if (endpoints.logServer) log.info(`forwarding logs to ${endpoints.logServer}`);
    const hostConfig = await prepareHome(settings, built, log, store, endpoints);
    let currentEndpoints = endpoints;

    supervisor = new Supervisor(
      built.map(
        (b) =>
          new Child(b.plan, b.service, b.ctx.identity, b.ctx.log, {
            onFatal: (_child, reason) => {
              fatal ??= new RolevisorError(
                'RV_SERVICE_FAILED',
                `${reason}; stopping the container so that the orchestrator can replace it`,
              );
              wake();
            },
            afterReady: stateful.afterReady,
          }),
      ),
      log,
    );
    const running = supervisor;
    state.services = () => running.status();
    state.allReady = () => running.allReady();

    if (!shutdown) {
      await Promise.race([supervisor.start(), woken]);
      if (!shutdown && !fatal) {
        if (store) {
          link = await ClusterLink.start({
            settings,
            store,
            catalog,
            log,
            endpoints,
            apply: async (change, restart) => {
              currentEndpoints = change.endpoints;
              const path = await hostConfig.write(change.endpoints);
              log.info(
                { path, changed: change.changed },
                `config.yml rewritten for the moved ${change.changed.join(', ')}`,
              );
              if (change.endpoints.logServer !== change.previous.logServer) {
                await forwarding?.point(change.endpoints.logServer);
                log.info(`forwarding logs to ${change.endpoints.logServer ?? '(nowhere)'}`);
              }
              await running.restart(restart);
            },
          });
        }
        const users = (changed: Authority[]) => affectedServices(changed, settings.roles, catalog);
        const authorities = authoritiesOf(built);
        if (
          store &&
          authorities.length === 0 &&
          !settings.environmentTakesPrecedence &&
          users([...ROTATABLE]).length > 0
        ) {
          credentialsWatch = watchClusterCredentials({
            store,
            log,
            initial: hostConfig.content,
            onChange: async (content) => {
              hostConfig.adopt(content);
              await hostConfig.write(currentEndpoints);
              await running.restart(users([...ROTATABLE]));
            },
          });
        }
        if (authorities.length > 0)
          rotate = (service) =>
            rotateCredentials(
              {
                settings,
                built,
                store,
                hostConfig,
                endpoints: currentEndpoints,
                log,
                restartUsers: async (rotated) => {
                  // The app's services on a combined host; never the backend services themselves.
                  const backend = new Set(
                    built.filter((b) => BACKEND_KINDS.has(b.service.kind)).map((b) => b.plan.name),
                  );
                  const local = users(rotated).filter((name) => !backend.has(name));
                  if (local.length > 0) await running.restart(local);
                },
              },
              service,
            );
        state.phase = 'running';
        lifecycle.startSchedule();
        log.info(
          { bootMs: Date.now() - bootStarted, services: plan.map((p) => p.name) },
          `all services ready in ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`,
        );
        await woken;
      }
    }
  } catch (error) {
    // A signal that ended a wait during boot is a clean stop, not a failure.
    if (!(shutdown && error === stopping.signal.reason))
      fatal ??= isRolevisorError(error)
        ? error
        : new RolevisorError('RV_INTERNAL', (error as Error).message, { cause: error });
  }

  // /readyz answers 503 from here on, so a load balancer drains this host first.
  state.phase = 'stopping';
  const deadline = (shutdown?.at ?? Date.now()) + settings.stopTimeoutSec * 1000 - STOP_MARGIN_MS;
  // This host's discovery records go first: app hosts keep the last address rather than follow a dying one.
  await credentialsWatch?.stop();
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
  removeSignals();
  if (fatal) log.error({ code: fatal.code, exitCode: fatal.exitCode }, formatError(fatal));
  else log.info('rolevisor stopped cleanly');
  await forwarding?.close(Math.max(200, Math.min(2000, deadline - Date.now())));
  return fatal ? fatal.exitCode : EXIT.ok;
}

async function backupNow(lifecycle: StateLifecycle | undefined): Promise<BackupRecord> {
  if (!lifecycle)
    throw new RolevisorError('RV_BACKUP_FAILED', 'rolevisor is still opening the store; try again once it is running');
  return lifecycle.backup();
}

/** ROLEVISOR_HOME, traversable by the service users; each service's own dirs are private to it. */
async function prepareDirs(settings: Settings): Promise<void> {
  await ensureDir(settings.home, { mode: 0o755 });
  for (const sub of ['data', 'conf', 'run']) await ensureDir(`${settings.home}/${sub}`, { mode: 0o755 });
}

/** The backend services this host runs, whose credentials it is the authority for. */
function authoritiesOf(built: BuiltService[]): Authority[] {
  const kinds = new Set(built.map((b) => b.service.kind));
  return (
    [
      ['postgres', 'sql'],
      ['redis', 'redis'],
      ['rabbitmq', 'rabbitmq'],
    ] as const
  )
    .filter(([kind]) => kinds.has(kind))
    .map(([, authority]) => authority);
}

/** config.yml (the store's copy wins) and certificates, before any service starts. */
async function prepareHome(
  settings: Settings,
  built: BuiltService[],
  log: Logger,
  store: Store | undefined,
  endpoints: Endpoints,
): Promise<HostConfig> {
  const runsApp = built.some((b) => b.plan.role === 'web' || b.plan.role === 'celery');
  const appUser = runsApp ? await identityFor(APP_USER) : undefined;
  const config = await HostConfig.choose(settings, endpoints, store, appUser, log, authoritiesOf(built));
  const path = await config.write(endpoints);
  log.info({ path, source: config.source }, 'config.yml written');
  if (store) await installCertificates(store, certsDir(settings), log);
  return config;
}
