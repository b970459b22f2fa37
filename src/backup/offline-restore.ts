// `rolevisor restore --generation ID`: one named generation into EMPTY data directories,
// with no instance running. Redis gets its dump.rdb; PostgreSQL is started on its own
// (the same service code as `run`, supervised), restored, and stopped again. It never
// writes over data: a data directory that is not empty is a refusal, not a merge.
import { rm } from 'node:fs/promises';
import { controlRequest } from '../control/client.js';
import { RolevisorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RoleCatalog } from '../roles/catalog.js';
import { planServices } from '../roles/plan.js';
import { controlSocketPath } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { StatusSnapshot } from '../status/runtime.js';
import { scanGenerations } from '../store/generations.js';
import { createStore } from '../store/index.js';
import { buildServices, type BuiltService } from '../supervisor/build.js';
import { Child } from '../supervisor/child.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { ensureDir } from '../util/fsx.js';
import { candidatesFor, type Candidate } from './candidates.js';
import { postgresHasData, redisHasData } from './local-data.js';
import { POSTGRES_KIND, REDIS_KIND } from './part-names.js';
import { restorePostgres } from './restore-postgres.js';
import { clearRestoring, discardUnfinishedRestore, markRestoring } from './restore-marker.js';
import { restoreRedis } from './restore-redis.js';
import { recordRestored } from './lineage.js';
import { closeStore, retryBudget } from './store-check.js';

const STOP_TIMEOUT_MS = 60_000;

const refuse = (message: string) => new RolevisorError('RV_RESTORE_FAILED', message);

async function refuseIfRunning(settings: Settings): Promise<void> {
  let pid: number | undefined;
  try {
    pid = (await controlRequest<StatusSnapshot>(controlSocketPath(settings), 'GET', '/status', 3000)).body.pid;
  } catch {
    return; // nothing answers: no instance
  }
  throw refuse(
    `a rolevisor instance (pid ${pid}) is running with ROLEVISOR_HOME=${settings.home}; stop it first (restore works offline, into empty data directories)`,
  );
}

function only(candidates: Candidate[], id: string, service: string): Candidate {
  const found = candidates[0];
  if (!found) throw refuse(`generation ${id} holds no ${service} data`);
  return found;
}

async function restorePostgresOffline(
  built: BuiltService,
  candidate: Candidate,
  store: Parameters<typeof restorePostgres>[0],
  log: Logger,
): Promise<void> {
  const data = built.ctx.paths.data;
  await markRestoring(data, candidate.id);
  const supervisor = new Supervisor(
    [
      new Child(built.plan, built.service, built.ctx.identity, built.ctx.log, {
        onFatal: (_child, reason) => log.error(reason),
        afterReady: () => restorePostgres(store, [candidate], built.ctx, log).then(() => undefined),
      }),
    ],
    log,
  );
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop({ deadline: Date.now() + STOP_TIMEOUT_MS });
    // The directory was empty before: take the partial cluster away again.
    await rm(data, { recursive: true, force: true });
    await clearRestoring(data);
    throw error;
  }
  await supervisor.stop({ deadline: Date.now() + STOP_TIMEOUT_MS });
  await clearRestoring(data);
}

export async function restoreOffline(
  settings: Settings,
  catalog: RoleCatalog,
  generationId: string,
  log: Logger,
): Promise<string[]> {
  const roles = settings.roles.filter((r) => r === 'sql' || r === 'redis');
  if (roles.length === 0)
    throw new RolevisorError(
      'RV_USAGE',
      `CONTAINERROLE=${settings.rolesRaw} has neither the sql nor the redis role: there is nothing to restore on this host`,
    );
  await refuseIfRunning(settings);
  const built = await buildServices(settings, planServices(roles, catalog), catalog.dir, log);
  const postgres = built.find((b) => b.service.kind === 'postgres');
  const redis = built.find((b) => b.service.kind === 'redis');
  if (postgres) {
    await discardUnfinishedRestore(postgres.ctx.paths.data, log);
    if (await postgresHasData(postgres.ctx.paths.data))
      throw refuse(
        `PostgreSQL's data directory ${postgres.ctx.paths.data} is not empty; restore writes only into empty data directories (move it away first)`,
      );
  }
  if (redis && (await redisHasData(redis.ctx.paths.data)))
    throw refuse(
      `Redis's data directory ${redis.ctx.paths.data} already holds a dump.rdb; restore writes only into empty data directories (move it away first)`,
    );

  const store = await createStore(settings, log, { checkRetry: retryBudget(settings.storeCheckTimeoutSec) });
  try {
    await store.check();
    const scan = await scanGenerations(store);
    const summary = scan.complete.find((g) => g.id === generationId);
    if (!summary) {
      const broken = scan.broken.find((g) => g.id === generationId);
      throw refuse(
        broken
          ? `generation ${generationId} is unusable: ${broken.reason}`
          : `no complete generation ${generationId} in the ${store.describe()}; rolevisor generations lists them (${
              scan.complete
                .slice(0, 3)
                .map((g) => g.id)
                .join(', ') || 'there are none'
            })`,
      );
    }
    const one = { complete: [summary], broken: [], incomplete: [] };
    const restored: string[] = [];
    await ensureDir(settings.home, { mode: 0o755 });
    for (const sub of ['data', 'conf', 'run']) await ensureDir(`${settings.home}/${sub}`, { mode: 0o755 });
    if (redis) {
      const list = candidatesFor(one, REDIS_KIND);
      if (list.skipped[0]) throw refuse(`generation ${generationId}: ${list.skipped[0].reason}`);
      await restoreRedis(store, [only(list.usable, generationId, 'Redis')], redis.ctx, log);
      // Chosen on purpose (maybe an older one): the next boot keeps it rather than call it stale.
      await recordRestored(redis.ctx.paths.data, generationId, { chosen: true });
      restored.push('redis');
    }
    if (postgres) {
      const list = candidatesFor(one, POSTGRES_KIND);
      if (list.skipped[0]) throw refuse(`generation ${generationId}: ${list.skipped[0].reason}`);
      await restorePostgresOffline(postgres, only(list.usable, generationId, 'PostgreSQL'), store, log);
      await recordRestored(postgres.ctx.paths.data, generationId, { chosen: true });
      restored.push('postgres');
    }
    return restored;
  } finally {
    closeStore(store);
  }
}
