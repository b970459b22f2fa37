// The life of one container: settings → plan → boot → supervise → SIGTERM → stop → exit.
// This module only wires the steps together.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { EXIT, formatError, isRolevisorError, RolevisorError } from './errors.js';
import { createLogger, registerSecrets, type Logger } from './log.js';
import { localEndpoints } from './config/endpoints.js';
import { renderConfig } from './config/render.js';
import { stableSecretKey, writeConfigFile } from './config/write.js';
import { startControlServer } from './control/server.js';
import { logForwarderFor } from './logship/from-settings.js';
import { forwardingStream } from './logship/pino-stream.js';
import type { RoleCatalog } from './roles/catalog.js';
import { planServices } from './roles/plan.js';
import { controlSocketPath } from './settings/paths.js';
import type { Settings } from './settings/types.js';
import { RuntimeState, type BackupRecord } from './status/runtime.js';
import { startStatusServer } from './status/server.js';
import { describeStore } from './store/describe.js';
import { buildServices, type BuiltService } from './supervisor/build.js';
import { Child } from './supervisor/child.js';
import { checkPortConflicts } from './supervisor/ports.js';
import { onShutdownSignal, type ShutdownRequest } from './supervisor/signals.js';
import { Supervisor } from './supervisor/supervisor.js';
import { ensureDir } from './util/fsx.js';
import { identityFor } from './util/identity.js';
import pino from 'pino';

/** Leaves this much of STOPTIMEOUT unused, so we exit before the runtime's SIGKILL. */
const STOP_MARGIN_MS = 1000;
const APP_USER = 'www-data';

export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunOptions {
  settings: Settings;
  catalog: RoleCatalog;
}

export async function runContainer({ settings, catalog }: RunOptions): Promise<number> {
  registerSecrets(settings.secrets);
  const forwarder = logForwarderFor(settings);
  const stdout = pino.destination({ fd: 1, sync: true });
  const log = createLogger({ level: settings.logLevel, destination: forwarder ? forwardingStream(forwarder, 'rolevisor', stdout) : stdout });
  const bootStarted = Date.now();
  log.info({ roles: settings.roles, home: settings.home, version: VERSION }, `rolevisor ${VERSION} starting roles ${settings.roles.join(', ') || '(none)'}`);
  if (forwarder) log.info(`forwarding logs to ${settings.log.server}`);
  for (const warning of settings.warnings) log.warn(warning);

  const state = new RuntimeState(settings.roles, describeStore(settings), VERSION);
  let shutdown: ShutdownRequest | undefined;
  let fatal: RolevisorError | undefined;
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((resolve) => { wake = resolve; });
  let supervisor: Supervisor | undefined;
  const servers: Server[] = [];
  const removeSignals = onShutdownSignal(log, (request) => {
    shutdown = request;
    state.phase = 'stopping';
    wake();
  });

  try {
    const plan = planServices(settings.roles, catalog);
    const built = await buildServices(settings, plan, catalog.dir, log);
    checkPortConflicts([
      ...built.flatMap((b) => b.service.listeners().map((l) => ({ ...l, owner: b.plan.name }))),
      { name: 'status', port: settings.status.port, bind: settings.status.bind, owner: 'rolevisor' },
    ]);
    await prepareHome(settings, built, log);

    supervisor = new Supervisor(
      built.map((b) => new Child(b.plan, b.service, b.ctx.identity, b.ctx.log, {
        onFatal: (_child, reason) => {
          fatal ??= new RolevisorError('RV_SERVICE_FAILED', `${reason}; stopping the container so that the orchestrator can replace it`);
          wake();
        },
      })),
      log,
    );
    const running = supervisor;
    state.services = () => running.status();
    state.allReady = () => running.allReady();
    servers.push(await startStatusServer(state, settings.status.bind, settings.status.port, log));
    servers.push(await startControlServer(controlSocketPath(settings), state, { backup: () => backupNotConfigured() }, log));

    if (!shutdown) {
      await Promise.race([supervisor.start(), woken]);
      if (!shutdown && !fatal) {
        state.phase = 'running';
        log.info({ bootMs: Date.now() - bootStarted, services: plan.map((p) => p.name) }, `all services ready in ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`);
        await woken;
      }
    }
  } catch (error) {
    fatal ??= isRolevisorError(error) ? error : new RolevisorError('RV_INTERNAL', (error as Error).message, { cause: error });
  }

  // /readyz answers 503 from here on, so a load balancer drains this host first.
  state.phase = 'stopping';
  const deadline = (shutdown?.at ?? Date.now()) + settings.stopTimeoutSec * 1000 - STOP_MARGIN_MS;
  if (supervisor) {
    const stopStarted = Date.now();
    await supervisor.stop({ deadline });
    log.info({ stopMs: Date.now() - stopStarted }, `all services stopped in ${((Date.now() - stopStarted) / 1000).toFixed(1)} s`);
  }
  state.phase = 'stopped';
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  removeSignals();
  if (fatal) log.error({ code: fatal.code, exitCode: fatal.exitCode }, formatError(fatal));
  else log.info('rolevisor stopped cleanly');
  await forwarder?.close(Math.max(200, Math.min(2000, deadline - Date.now())));
  return fatal ? fatal.exitCode : EXIT.ok;
}

async function backupNotConfigured(): Promise<BackupRecord> {
  throw new RolevisorError('RV_BACKUP_FAILED', 'backups are not wired in yet');
}

/** ROLEVISOR_HOME and the rendered config.yml, before any service starts. */
async function prepareHome(settings: Settings, built: BuiltService[], log: Logger): Promise<void> {
  // Traversable by the service users; each service's own dirs are private to it.
  await ensureDir(settings.home, { mode: 0o755 });
  for (const sub of ['data', 'conf', 'run']) await ensureDir(`${settings.home}/${sub}`, { mode: 0o755 });
  const runsApp = built.some((b) => b.plan.role === 'web' || b.plan.role === 'celery');
  const appUser = runsApp ? await identityFor(APP_USER) : undefined;
  const content = renderConfig({ settings, endpoints: localEndpoints(settings), secretKey: await stableSecretKey(settings) });
  const path = await writeConfigFile(settings, content, appUser);
  log.info({ path }, 'config.yml written');
}
