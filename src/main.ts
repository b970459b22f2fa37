// The life of one container: settings → plan → boot → supervise → SIGTERM → stop → exit.
// This module only wires the steps together.
import { EXIT, formatError, isRolevisorError, RolevisorError } from './errors.js';
import { createLogger, registerSecrets, type Logger } from './log.js';
import { localEndpoints } from './config/endpoints.js';
import { renderConfig } from './config/render.js';
import { stableSecretKey, writeConfigFile } from './config/write.js';
import type { RoleCatalog } from './roles/catalog.js';
import { planServices } from './roles/plan.js';
import type { Settings } from './settings/types.js';
import { buildServices, type BuiltService } from './supervisor/build.js';
import { Child } from './supervisor/child.js';
import { checkPortConflicts } from './supervisor/ports.js';
import { onShutdownSignal, type ShutdownRequest } from './supervisor/signals.js';
import { Supervisor } from './supervisor/supervisor.js';
import { ensureDir } from './util/fsx.js';
import { identityFor } from './util/identity.js';

/** Leaves this much of STOPTIMEOUT unused, so we exit before the runtime's SIGKILL. */
const STOP_MARGIN_MS = 1000;
const APP_USER = 'www-data';

export interface RunOptions {
  settings: Settings;
  catalog: RoleCatalog;
  log?: Logger;
}

export async function runContainer({ settings, catalog, log = createLogger({ level: settings.logLevel }) }: RunOptions): Promise<number> {
  registerSecrets(settings.secrets);
  const bootStarted = Date.now();
  log.info({ roles: settings.roles, home: settings.home }, `rolevisor starting roles ${settings.roles.join(', ') || '(none)'}`);
  for (const warning of settings.warnings) log.warn(warning);

  let shutdown: ShutdownRequest | undefined;
  let fatal: RolevisorError | undefined;
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((resolve) => { wake = resolve; });
  let supervisor: Supervisor | undefined;
  const removeSignals = onShutdownSignal(log, (request) => {
    shutdown = request;
    wake();
  });

  try {
    const plan = planServices(settings.roles, catalog);
    const built = await buildServices(settings, plan, catalog.dir, log);
    checkPortConflicts(built.flatMap((b) => b.service.listeners().map((l) => ({ ...l, owner: b.plan.name }))));
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
    if (!shutdown) {
      await Promise.race([supervisor.start(), woken]);
      if (!shutdown && !fatal) {
        log.info({ bootMs: Date.now() - bootStarted, services: plan.map((p) => p.name) }, `all services ready in ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`);
        await woken;
      }
    }
  } catch (error) {
    fatal ??= isRolevisorError(error) ? error : new RolevisorError('RV_INTERNAL', (error as Error).message, { cause: error });
  }

  const deadline = (shutdown?.at ?? Date.now()) + settings.stopTimeoutSec * 1000 - STOP_MARGIN_MS;
  if (supervisor) {
    const stopStarted = Date.now();
    await supervisor.stop({ deadline });
    log.info({ stopMs: Date.now() - stopStarted }, `all services stopped in ${((Date.now() - stopStarted) / 1000).toFixed(1)} s`);
  }
  removeSignals();
  if (fatal) {
    log.error({ code: fatal.code, exitCode: fatal.exitCode }, formatError(fatal));
    return fatal.exitCode;
  }
  log.info('rolevisor stopped cleanly');
  return EXIT.ok;
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
