// A third kind of state needs nothing but its engine and its registration: two toy engines
// (a notes file, one restored before its service starts and one into its running service)
// go through the real lifecycle, runner, generation writer and local store: kept when
// local data exists, backed up into a generation tagged with their kind, restored into an
// empty data directory at the right time, with lineage and the restore marker as for the
// built-in engines.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { StateEngine } from '../../../../src/backup/engines/engine.js';
import { heldStates, registerEngine } from '../../../../src/backup/engines/registry.js';
import { StateLifecycle } from '../../../../src/backup/lifecycle.js';
import { lineagePath, readLineage } from '../../../../src/backup/lineage.js';
import { restoreMarkerPath } from '../../../../src/backup/restore-marker.js';
import { readPart } from '../../../../src/generations/read.js';
import { scanGenerations } from '../../../../src/generations/scan.js';
import type { PlannedService } from '../../../../src/roles/plan.js';
import type { Service } from '../../../../src/services/types.js';
import type { Settings } from '../../../../src/settings/types.js';
import { RuntimeState } from '../../../../src/status/runtime.js';
import { FsStore } from '../../../../src/store/fs-store.js';
import type { BuiltService } from '../../../../src/supervisor/build.js';
import type { Child } from '../../../../src/supervisor/child.js';
import { memoryLogger, serviceContext, tempHome, testSettings } from '../../../helpers/env.js';

const NOTES = 'notes.txt';

/** A toy engine: the state is one file in the service's data directory. */
function notesEngine(kind: string, service: string, restoreAt: StateEngine['restoreAt']): StateEngine {
  return {
    kind,
    label: `Notes-${kind}`,
    service,
    restoreAt,
    partNames: `${kind}.txt`,
    backsUp: () => true,
    hasLocalData: async (ctx) => existsSync(join(ctx.paths.data, NOTES)),
    async backUp({ ctx, addPart }) {
      const body = await readFile(join(ctx.paths.data, NOTES));
      await addPart(`${kind}.txt`, Readable.from([body]), { compression: 'none', size: body.length });
      return { version: `${kind}-1.0` };
    },
    async restore({ store, candidates, ctx }) {
      const candidate = candidates[0];
      const body = await text(await readPart(store, candidate.summary.manifest, candidate.parts[0]));
      await mkdir(ctx.paths.data, { recursive: true });
      await writeFile(join(ctx.paths.data, NOTES), body);
      return candidate.id;
    },
  };
}

async function fakeBuilt(settings: Settings, name: string, log: ReturnType<typeof memoryLogger>['log']) {
  const plan = { name, kind: name, role: 'cron', after: [], dependsOn: [] } as unknown as PlannedService;
  const service = { name, kind: name } as unknown as Service;
  return { plan, service, ctx: await serviceContext(settings, name, undefined, log) } satisfies BuiltService;
}

describe('a state engine registered from outside', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let settings: Settings;
  const unregister: (() => void)[] = [];

  beforeAll(async () => {
    home = await tempHome();
    settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'cron' });
    unregister.push(registerEngine(notesEngine('early-notes', 'early-book', 'before-start')));
    unregister.push(registerEngine(notesEngine('late-notes', 'late-book', 'after-ready')));
  });

  afterAll(async () => {
    for (const undo of unregister) undo();
    await home.cleanup();
  });

  it('refuses a second engine of the same kind', () => {
    expect(() => registerEngine(notesEngine('early-notes', 'other', 'before-start'))).toThrow(/already registered/);
  });

  it('is kept, backed up, and restored at its time by the lifecycle, which names no kind', async () => {
    const { log, lines } = memoryLogger();
    const built = [await fakeBuilt(settings, 'early-book', log), await fakeBuilt(settings, 'late-book', log)];
    expect(heldStates(built).map((h) => h.engine.kind)).toEqual(['early-notes', 'late-notes']);
    for (const b of built) {
      await mkdir(b.ctx.paths.data, { recursive: true });
      await writeFile(join(b.ctx.paths.data, NOTES), `written by ${b.plan.name}\n`);
    }
    const boot = () =>
      StateLifecycle.boot({ settings, built, state: new RuntimeState(['cron'], 'test', 'test'), log, version: 't' });

    // Local data: kept, and backed up on demand into one generation.
    const first = await boot();
    expect(lines().filter((l) => / has local data in .*: keeping it/.test(String(l.msg)))).toHaveLength(2);
    const record = await first.backup();
    first.close();
    expect(record).toEqual(expect.objectContaining({ ok: true, trigger: 'manual' }));
    const store = new FsStore({ root: settings.backupDir, log });
    const [generation] = (await scanGenerations(store)).complete;
    expect(generation?.id).toBe(record.generation);
    expect(generation?.manifest.parts.map((p) => [p.name, p.kind])).toEqual(
      expect.arrayContaining([
        ['early-notes.txt', 'early-notes'],
        ['late-notes.txt', 'late-notes'],
      ]),
    );
    expect(generation?.manifest.versions).toEqual(
      expect.objectContaining({ 'early-notes': 'early-notes-1.0', 'late-notes': 'late-notes-1.0' }),
    );

    // Empty data directories: the early one is restored at boot, the late one once its service is ready.
    for (const b of built) {
      await rm(b.ctx.paths.data, { recursive: true, force: true });
      await rm(lineagePath(b.ctx.paths.data), { force: true });
    }
    const [early, late] = built as [BuiltService, BuiltService];
    const second = await boot();
    expect(await readFile(join(early.ctx.paths.data, NOTES), 'utf8')).toBe('written by early-book\n');
    expect((await readLineage(early.ctx.paths.data))?.generation).toBe(record.generation);
    expect(existsSync(join(late.ctx.paths.data, NOTES))).toBe(false);
    expect(existsSync(restoreMarkerPath(late.ctx.paths.data))).toBe(true);
    expect(second.blocked()).toBe('the restore of Notes-late-notes has not finished');

    await second.afterReady({ service: early.service } as unknown as Child); // nothing pending for it
    expect(existsSync(join(late.ctx.paths.data, NOTES))).toBe(false);
    await second.afterReady({ service: late.service } as unknown as Child);
    expect(await readFile(join(late.ctx.paths.data, NOTES), 'utf8')).toBe('written by late-book\n');
    expect(existsSync(restoreMarkerPath(late.ctx.paths.data))).toBe(false);
    expect((await readLineage(late.ctx.paths.data))?.generation).toBe(record.generation);
    expect(second.blocked()).toBeUndefined();
    second.close();
  });
});
