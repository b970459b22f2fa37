// One point in time for the whole host, with toy engines through the real lifecycle, runner,
// generation writer and local store: the engine whose state sets the host's time restores
// first; when the newest generation's copy of it is damaged it falls back one generation, and
// the other engine of the host must come from that same older generation (never from the
// newer one, a state that never existed). Both for a clock restored before its service starts
// (its own fallback) and one restored into its running service (proved before the others).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { StateEngine } from '../../../src/backup/engines/engine.js';
import { registerEngine } from '../../../src/backup/engines/registry.js';
import { StateLifecycle } from '../../../src/backup/lifecycle.js';
import { lineagePath } from '../../../src/backup/lineage.js';
import { readPart } from '../../../src/generations/read.js';
import { scanGenerations } from '../../../src/generations/scan.js';
import type { PlannedService } from '../../../src/roles/plan.js';
import type { Service } from '../../../src/services/types.js';
import type { Settings } from '../../../src/settings/types.js';
import { RuntimeState } from '../../../src/status/runtime.js';
import { FsStore } from '../../../src/store/fs-store.js';
import type { BuiltService } from '../../../src/supervisor/build.js';
import type { Child } from '../../../src/supervisor/child.js';
import { memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';

const NOTES = 'notes.txt';

/** The state is one file; its restore tries each candidate in turn (newest first), as the real engines do. */
function notesEngine(
  kind: string,
  service: string,
  restoreAt: StateEngine['restoreAt'],
  setsTime: boolean,
): StateEngine {
  return {
    kind,
    label: `Notes-${kind}`,
    service,
    restoreAt,
    setsTime,
    partNames: `${kind}.txt`,
    backsUp: () => true,
    hasLocalData: async (ctx) => existsSync(join(ctx.paths.data, NOTES)),
    async backUp({ ctx, addPart }) {
      const body = await readFile(join(ctx.paths.data, NOTES));
      await addPart(`${kind}.txt`, Readable.from([body]), { compression: 'none', size: body.length });
      return {};
    },
    async restore({ store, candidates, ctx }) {
      for (const candidate of candidates) {
        try {
          const body = await text(await readPart(store, candidate.summary.manifest, candidate.parts[0]));
          await mkdir(ctx.paths.data, { recursive: true });
          await writeFile(join(ctx.paths.data, NOTES), body);
          return candidate.id;
        } catch {
          // damaged: the one before
        }
      }
      throw new Error('every candidate is damaged');
    },
  };
}

async function fakeBuilt(settings: Settings, name: string, log: ReturnType<typeof memoryLogger>['log']) {
  const plan = { name, kind: name, role: 'cron', after: [], dependsOn: [] } as unknown as PlannedService;
  const service = { name, kind: name } as unknown as Service;
  return { plan, service, ctx: await serviceContext(settings, name, undefined, log) } satisfies BuiltService;
}

const CASES: [string, StateEngine['restoreAt']][] = [
  ['before its service starts', 'before-start'],
  ['into its running service', 'after-ready'],
];

describe.each(CASES)('the host point in time, the clock restored %s', (_title, clockAt) => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let settings: Settings;
  const unregister: (() => void)[] = [];

  beforeEach(async () => {
    home = await tempHome();
    settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'cron' });
    // The follower registers first: the order of the registry does not decide, setsTime does.
    unregister.push(registerEngine(notesEngine('follower-notes', 'follower-book', 'before-start', false)));
    unregister.push(registerEngine(notesEngine('clock-notes', 'clock-book', clockAt, true)));
  });

  afterEach(async () => {
    for (const undo of unregister.splice(0)) undo();
    await home.cleanup();
  });

  it('restores every engine from the generation the clock fell back to', async () => {
    const { log, lines } = memoryLogger();
    const built = [await fakeBuilt(settings, 'follower-book', log), await fakeBuilt(settings, 'clock-book', log)];
    const [follower, clock] = built as [BuiltService, BuiltService];
    const boot = () =>
      StateLifecycle.boot({ settings, built, state: new RuntimeState(['cron'], 'test', 'test'), log, version: 't' });
    const put = async (b: BuiltService, body: string) => {
      await mkdir(b.ctx.paths.data, { recursive: true });
      await writeFile(join(b.ctx.paths.data, NOTES), body);
    };

    // Two generations: "old" then "new", each holding both engines.
    await put(follower, 'follower old\n');
    await put(clock, 'clock old\n');
    const first = await boot();
    const older = await first.backup();
    await put(follower, 'follower new\n');
    await put(clock, 'clock new\n');
    await new Promise((r) => setTimeout(r, 10)); // ids are times
    const newer = await first.backup();
    first.close();
    expect(String(older.generation) < String(newer.generation)).toBe(true);

    // The newest generation's clock part is damaged (same size, other bytes): its digest fails.
    const store = new FsStore({ root: settings.backupDir, log });
    const scan = await scanGenerations(store);
    const damagedPart = scan.complete[0].manifest.parts.find((p) => p.kind === 'clock-notes')!;
    expect(scan.complete[0].id).toBe(newer.generation);
    await writeFile(join(settings.backupDir, damagedPart.key), 'CLOCK NEW\n');

    for (const b of built) {
      await rm(b.ctx.paths.data, { recursive: true, force: true });
      await rm(lineagePath(b.ctx.paths.data), { force: true });
    }
    const second = await boot();
    await second.afterReady({ service: clock.service } as unknown as Child);
    await second.afterReady({ service: follower.service } as unknown as Child);
    expect(await readFile(join(clock.ctx.paths.data, NOTES), 'utf8')).toBe('clock old\n');
    // Not "follower new": that state never existed beside "clock old".
    expect(await readFile(join(follower.ctx.paths.data, NOTES), 'utf8')).toBe('follower old\n');
    expect(second.blocked()).toBeUndefined();
    second.close();

    const messages = lines().map((l) => String(l.msg));
    const target = messages.find((m) => m.startsWith("the host's point in time is "));
    expect(target).toContain(`from generation ${older.generation}`);
    expect(
      messages.some((m) => m.startsWith(`Notes-follower-notes: restored from generation ${older.generation}`)),
    ).toBe(true);
    // The clock's choice is logged too (restored at once, or pending for its service).
    expect(messages.some((m) => m.includes('Notes-clock-notes') && m.includes(String(older.generation)))).toBe(true);
  });
});
