// The continuous engines a host runs, from its services and settings: PostgreSQL's WAL
// archiver when its base backups are on, Redis snapshots when continuous shipping is on
// (ARCHIVESECONDS > 0; else Redis stays in the generations), the app's files on a web host.
// The one place outside each engine that knows which kinds ship continuously.
import type { Logger } from '../../log.js';
import type { Settings } from '../../settings/types.js';
import type { Store } from '../../store/store.js';
import type { BuiltService } from '../../supervisor/build.js';
import { PostgresWalEngine } from '../wal/engine.js';
import type { ContinuousEngine } from './continuous.js';
import type { StateEngine } from './engine.js';
import { filesEngine, FILES_SERVICE_KIND } from './files.js';
import { postgresBaseEngine } from './postgres/base-engine.js';
import { redisSnapshotEngine } from './redis-snapshots.js';

export function continuousEnginesFor(options: {
  settings: Settings;
  built: BuiltService[];
  store: Store;
  log: Logger;
  /** The state engines this host backs up. */
  backedUp: readonly StateEngine[];
}): ContinuousEngine[] {
  const { settings, built, store, log } = options;
  const engines: ContinuousEngine[] = [];
  const postgres = built.find((b) => b.service.kind === postgresBaseEngine.service);
  if (postgres && options.backedUp.includes(postgresBaseEngine))
    engines.push(new PostgresWalEngine(store, postgres.ctx, log.child({ component: 'wal' })));
  const redis = built.find((b) => b.service.kind === 'redis');
  if (redis && settings.db.archiveSeconds > 0)
    engines.push(redisSnapshotEngine({ store, ctx: redis.ctx, log: log.child({ component: 'continuous' }) }));
  const web = built.find((b) => b.service.kind === FILES_SERVICE_KIND);
  if (web)
    engines.push(
      filesEngine({
        store,
        root: settings.web.filesDir,
        intervalSec: settings.redis.snapshotSeconds,
        identity: web.ctx.identity,
        log: log.child({ component: 'continuous' }),
      }),
    );
  return engines;
}

/** The service kinds whose continuous engines restore state (for `rolevisor restore`'s choice of roles). */
export const continuousStateServiceKinds = (): string[] => [FILES_SERVICE_KIND];
