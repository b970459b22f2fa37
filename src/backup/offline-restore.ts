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
import { restoredState, stateTimeOf } from './engines/engine.js';
import { ContinuousEngines, earlier } from './engines/continuous.js';
import { continuousStateServiceKinds } from './engines/continuous-registry.js';
import { ContinuousHost } from './continuous-host.js';
import { recordRestored } from './lineage.js';
import { clearRestoring, discardUnfinishedRestore, markRestoring } from './restore-marker.js';
import { closeStore, retryBudget } from './store-check.js';

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
  const kinds = [...stateServiceKinds(), ...continuousStateServiceKinds()];
  return settings.roles.filter((r) => catalog.get(r)?.services.some((s) => kinds.includes(s.kind)));
}

/** One generation by id, or the host's state at one moment (`--time`: every service at or before it). */
export type RestoreChoice = { generation: string } | { time: Date };

export async function restoreOffline(
  settings: Settings,
  catalog: RoleCatalog,
  choice: RestoreChoice,
  log: Logger,
): Promise<string[]> {
  const generationId = 'generation' in choice ? choice.generation : choice.time.toISOString();
  const roles = stateRoles(settings, catalog);
  if (roles.length === 0) {
    const kinds = [...stateServiceKinds(), ...continuousStateServiceKinds()];
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
  const continuous = new ContinuousHost({
    settings,
    built,
    store,
    log,
    engines: new ContinuousEngines(log),
    backedUp: [],
  });
  for (const engine of continuous.restoring.filter((e) => e.standsInFor === undefined)) {
    if ((await engine.prepare()).hasLocalData)
      throw catalogError('RV_RESTORE_FAILED', 'dirsNotEmpty', { what: engine.label });
  }
  // As at a boot: PostgreSQL's archive_command finds rolevisor listening, and a cluster made
  // here (from a logical dump) starts its WAL past the store's (engines' beforeStart).
  const prepared = continuous.engines.engines.filter((e) => e.beforeStart !== undefined);
  try {
    await store.check();
    for (const engine of prepared) await engine.beforeStart?.();
    const scan = await scanGenerations(store);
    const summary = 'time' in choice ? scan.complete[0] : scan.complete.find((g) => g.id === generationId);
    if (!summary && !('time' in choice && continuous.restoring.length > 0)) {
      const broken = scan.broken.find((g) => g.id === generationId);
      throw broken
        ? catalogError('RV_RESTORE_FAILED', 'generationUnusable', { id: generationId, reason: broken.reason })
        : catalogError('RV_RESTORE_FAILED', 'generationMissing', {
            id: generationId,
            store: store.describe(),
            listed: scan.complete.slice(0, 3).map((g) => g.id),
          });
    }
    const one = 'time' in choice || !summary ? scan : { complete: [summary], broken: [], incomplete: [] };
    const restored: string[] = [];
    const done = new Set<HeldState['built']>();
    const refused = new Map<HeldState, string>();
    // The host's one point in time: the requested one (or the generation's), narrowed to what the
    // engines that set it reached; every other state comes back as of it or before.
    let target: Date | undefined = 'time' in choice ? choice.time : summary?.time;
    const time = 'time' in choice ? choice.time : undefined;
    await ensureDir(settings.home, { mode: 0o755 });
    for (const sub of ['data', 'conf', 'run']) await ensureDir(`${settings.home}/${sub}`, { mode: 0o755 });
    const order = [...held.filter((h) => h.engine.setsTime), ...held.filter((h) => !h.engine.setsTime)];
    for (const entry of order) {
      const { engine, built: service } = entry;
      if (done.has(service)) continue;
      // Another engine of the same service after this one (PostgreSQL: the dumps after the base backups).
      const fallback = held.slice(held.indexOf(entry) + 1).find((h) => h.built === service);
      const list = candidatesFor(one, engine.kind);
      const early = time ? list.usable.filter((c) => stateTimeOf(engine, c).getTime() <= time.getTime()) : list.usable;
      const refusal = early[0] && engine.cannotRestore?.(early[0]);
      const usable = early.filter((c) => !engine.cannotRestore?.(c));
      if (refusal && usable.length === 0) {
        if (!fallback) throw catalogError('RV_RESTORE_FAILED', 'engineRefuses', { reason: refusal });
        refused.set(fallback, refusal);
        continue;
      }
      if (usable.length === 0 && fallback) continue;
      if (!time && list.skipped[0])
        throw catalogError('RV_RESTORE_FAILED', 'generationSkipped', {
          id: generationId,
          reason: list.skipped[0].reason,
        });
      const because = refused.get(entry);
      // A continuous engine standing in for it (Redis snapshots): its newest verified state at or
      // before the host's time, when at least as new as the generation's part.
      const standIn = continuous.standIn(engine.kind);
      const plan = standIn && (await standIn.plan(target));
      if (standIn && plan && (!usable[0] || plan.reachable.getTime() >= stateTimeOf(engine, usable[0]).getTime())) {
        const placed = await standIn.restore(target);
        if (placed) {
          log.info(
            { engine: standIn.engine, id: placed.id, time: placed.time.toISOString() },
            `${engine.label}: restored from its continuous state ${placed.id}, as of ${placed.time.toISOString()}${target ? ` (the newest at or before the host's point in time ${target.toISOString()})` : ''}`,
          );
          await recordRestored(service.ctx.paths.data, placed.id, { chosen: true });
          done.add(service);
          restored.push(engine.kind);
          continue;
        }
      }
      if (usable.length === 0 && because)
        throw catalogError('RV_RESTORE_FAILED', 'noOtherForm', {
          because,
          what: engine.what ?? 'generation',
          service: engine.label,
        });
      if (time && usable.length === 0)
        throw catalogError('RV_RESTORE_FAILED', 'nothingAtTime', { what: engine.label, time });
      const candidate = only(usable, generationId, engine.label);
      if (because)
        log.warn(
          { engine: engine.kind, generation: candidate.id },
          `${because}: restoring ${engine.label} from the newest ${engine.what ?? 'generation'} instead (generation ${candidate.id}), which brings back its state as of ${stateTimeOf(engine, candidate).toISOString()}; later changes are not restored`,
        );
      let reached = stateTimeOf(engine, candidate);
      if (engine.restoreAt === 'after-ready') await restoreIntoRunningService(entry, candidate, store, log);
      else
        reached =
          restoredState(
            await engine.restore({
              store,
              candidates: time ? usable : [candidate],
              ctx: service.ctx,
              log,
              targetTime: time,
            }),
            usable,
            engine,
          ).reached ?? reached;
      if (engine.setsTime) {
        const narrowed = earlier(target, reached);
        if (narrowed !== target)
          log.info(
            { targetTime: narrowed?.toISOString(), engine: engine.kind },
            `the host's point in time is ${narrowed?.toISOString()} (${engine.label}'s state after its restore): every other state comes back as of then or before`,
          );
        // --generation: the generation's other states follow what it reached (a replay to the WAL's end).
        target = time ? narrowed : reached;
      }
      // Chosen on purpose (maybe an older one): the next boot keeps it rather than call it stale.
      await recordRestored(service.ctx.paths.data, candidate.id, { chosen: true });
      done.add(service);
      restored.push(engine.kind);
    }
    for (const engine of continuous.restoring.filter((e) => e.standsInFor === undefined)) {
      const placed = await engine.restore(target);
      if (placed) restored.push(engine.engine);
      log.info(
        { engine: engine.engine, id: placed?.id, targetTime: target?.toISOString() },
        placed
          ? `${engine.engine}: restored ${engine.label} as of ${placed.time.toISOString()} (${placed.id}), the newest at or before ${target?.toISOString() ?? 'now'}`
          : `${engine.engine}: the store holds nothing from at or before ${target?.toISOString() ?? 'now'}: ${engine.label} stay empty`,
      );
    }
    return restored;
  } finally {
    for (const engine of prepared) await engine.stop().catch(() => undefined);
    closeStore(store);
  }
}
