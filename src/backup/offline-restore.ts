// `rolevisor restore --generation ID`: one named generation into EMPTY data directories,
// with no instance running. An engine that restores before its service starts writes its
// files; one that restores into its running service gets that service started on its own
// (the same service code as `run`, supervised), restored, and stopped again. It never
// writes over data: a data directory that is not empty is a refusal, not a merge.
import { rm } from 'node:fs/promises';
import { controlRequest } from '../control/client.js';
import { catalogError } from '../errors.js';
import { scanGenerations } from '../generations/scan.js';
import type { Logger } from '../log.js';
import type { RoleCatalog } from '../roles/catalog.js';
import { planServices } from '../roles/plan.js';
import { controlSocketPath } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { StatusSnapshot } from '../status/runtime.js';
import { createStore } from '../store/create.js';
import type { Store } from '../store/store.js';
import { buildServices } from '../supervisor/build.js';
import { Child } from '../supervisor/child.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { ensureDir } from '../util/fsx.js';
import { candidatesFor, type Candidate } from './candidates.js';
import { heldStates, stateServiceKinds, type HeldState } from './engines/registry.js';
import { recordRestored } from './lineage.js';
import { clearRestoring, discardUnfinishedRestore, markRestoring } from './restore-marker.js';
import { closeStore, retryBudget } from './store-check.js';
import { restoreRedisSnapshot, snapshotsAtOrBefore } from './snapshots/restore.js';
import { BASE_BACKUP_KIND } from './wal/base-backup.js';

const STOP_TIMEOUT_MS = 60_000;

async function refuseIfRunning(settings: Settings): Promise<void> {
  let pid: number | undefined;
  try {
    pid = (await controlRequest<StatusSnapshot>(controlSocketPath(settings), 'GET', '/status', 3000)).body.pid;
  } catch {
    return; // nothing answers: no instance
  }
  throw catalogError('RV_RESTORE_FAILED', 'instanceRunning', { pid, home: settings.home });
}

function only(candidates: Candidate[], id: string, service: string): Candidate {
  const found = candidates[0];
  if (!found) throw catalogError('RV_RESTORE_FAILED', 'generationLacks', { id, what: service });
  return found;
}

/** Starts the engine's service alone, restores into it once it is ready, stops it again. */
async function restoreIntoRunningService(
  held: HeldState,
  candidate: Candidate,
  store: Store,
  log: Logger,
): Promise<void> {
  const { engine, built } = held;
  const data = built.ctx.paths.data;
  await markRestoring(data, candidate.id);
  const supervisor = new Supervisor(
    [
      new Child(built.plan, built.service, built.ctx.identity, built.ctx.log, {
        onFatal: (_child, reason) => log.error(reason),
        afterReady: () => engine.restore({ store, candidates: [candidate], ctx: built.ctx, log }).then(() => undefined),
      }),
    ],
    log,
  );
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop({ deadline: Date.now() + STOP_TIMEOUT_MS });
    // The directory was empty before: take the partial state away again.
    await rm(data, { recursive: true, force: true });
    await clearRestoring(data);
    throw error;
  }
  await supervisor.stop({ deadline: Date.now() + STOP_TIMEOUT_MS });
  await clearRestoring(data);
}

/** The roles of CONTAINERROLE that run a service holding state. */
function stateRoles(settings: Settings, catalog: RoleCatalog): string[] {
  const kinds = stateServiceKinds();
  return settings.roles.filter((r) => catalog.get(r)?.services.some((s) => kinds.includes(s.kind)));
}

/** One generation by id, or the host's state at one moment (`--time`: every service at or before it). */
export type RestoreChoice = { generation: string } | { time: Date };

/** Whether a generation's state of this kind is from at or before `time` (a base backup: its end). */
function atOrBefore(candidate: Candidate, kind: string, time: Date): boolean {
  const wal = candidate.summary.manifest.wal;
  const when = kind === BASE_BACKUP_KIND && wal ? wal.endTime : candidate.summary.manifest.time;
  return new Date(when).getTime() <= time.getTime();
}

export async function restoreOffline(
  settings: Settings,
  catalog: RoleCatalog,
  choice: RestoreChoice,
  log: Logger,
): Promise<string[]> {
  const generationId = 'generation' in choice ? choice.generation : choice.time.toISOString();
  const roles = stateRoles(settings, catalog);
  if (roles.length === 0) {
    const kinds = stateServiceKinds();
    const holding = catalog
      .concrete()
      .filter((r) => r.services.some((s) => kinds.includes(s.kind)))
      .map((r) => r.name);
    throw catalogError('RV_USAGE', 'nothingToRestore', { roles: settings.rolesRaw, holding });
  }
  await refuseIfRunning(settings);
  const built = await buildServices(settings, planServices(roles, catalog), catalog.dir, log);
  const held = heldStates(built);
  for (const { engine, built: service } of held) {
    const data = service.ctx.paths.data;
    if (engine.restoreAt === 'after-ready') await discardUnfinishedRestore(data, log);
    if (await engine.hasLocalData(service.ctx))
      throw catalogError('RV_RESTORE_FAILED', 'dataDirNotEmpty', { what: engine.label, dir: data });
  }

  const store = await createStore(settings, log, { checkRetry: retryBudget(settings.storeCheckTimeoutSec) });
  try {
    await store.check();
    const scan = await scanGenerations(store);
    const summary = 'time' in choice ? scan.complete[0] : scan.complete.find((g) => g.id === generationId);
    if (!summary) {
      const broken = scan.broken.find((g) => g.id === generationId);
      throw broken
        ? catalogError('RV_RESTORE_FAILED', 'generationUnusable', { id: generationId, reason: broken.reason })
        : catalogError('RV_RESTORE_FAILED', 'generationMissing', {
            id: generationId,
            store: store.describe(),
            listed: scan.complete.slice(0, 3).map((g) => g.id),
          });
    }
    const one = 'time' in choice ? scan : { complete: [summary], broken: [], incomplete: [] };
    const restored: string[] = [];
    const done = new Set<HeldState['built']>();
    await ensureDir(settings.home, { mode: 0o755 });
    for (const sub of ['data', 'conf', 'run']) await ensureDir(`${settings.home}/${sub}`, { mode: 0o755 });
    for (const entry of held) {
      const { engine, built: service } = entry;
      if (done.has(service)) continue;
      // Another engine of the same service after this one (PostgreSQL: the dumps after the base backups).
      const fallback = held.slice(held.indexOf(entry) + 1).some((h) => h.built === service);
      const list = candidatesFor(one, engine.kind);
      const time = 'time' in choice ? choice.time : undefined;
      const usable = time ? list.usable.filter((c) => atOrBefore(c, engine.kind, time)) : list.usable;
      if (usable.length === 0 && fallback) continue;
      if (!time && list.skipped[0])
        throw catalogError('RV_RESTORE_FAILED', 'generationSkipped', {
          id: generationId,
          reason: list.skipped[0].reason,
        });
      // Redis ships continuous snapshots: the newest verified one at or before the time, when newer than a generation's.
      if (time && engine.service === 'redis') {
        const snapshot = (await snapshotsAtOrBefore(store, time))[0];
        if (snapshot && (!usable[0] || snapshot.time.getTime() >= usable[0].summary.time.getTime())) {
          const placed = await restoreRedisSnapshot(store, service.ctx, log, time);
          if (placed) {
            await recordRestored(service.ctx.paths.data, placed.id, { chosen: true });
            done.add(service);
            restored.push(engine.kind);
            continue;
          }
        }
      }
      if (time && usable.length === 0)
        throw catalogError('RV_RESTORE_FAILED', 'nothingAtTime', { what: engine.label, time });
      const candidate = only(usable, generationId, engine.label);
      if (engine.restoreAt === 'after-ready') await restoreIntoRunningService(entry, candidate, store, log);
      else
        await engine.restore({
          store,
          candidates: time ? usable : [candidate],
          ctx: service.ctx,
          log,
          targetTime: time,
        });
      // Chosen on purpose (maybe an older one): the next boot keeps it rather than call it stale.
      await recordRestored(service.ctx.paths.data, candidate.id, { chosen: true });
      done.add(service);
      restored.push(engine.kind);
    }
    return restored;
  } finally {
    closeStore(store);
  }
}
