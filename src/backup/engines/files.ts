// The application's files (FILESDIR) as a continuous engine of the web role: synced into the
// store while the app runs (files/sync.ts), the stop's tail one last sync once the app is
// stopped, and restored into an empty FILESDIR before the web services start (files/restore.ts).
import { hostname } from 'node:os';
import { readdir } from 'node:fs/promises';
import { ensureServiceDir } from '../../services/shared/backend-dirs.js';
import type { Logger } from '../../log.js';
import type { Identity } from '../../util/identity.js';
import type { Store } from '../../store/store.js';
import { fileIndexKey, listIndexes } from '../files/layout.js';
import { restoreFiles, type RestoredFiles } from '../files/restore.js';
import { FilesSync } from '../files/sync.js';
import type { RestoringEngine, ShippingStatus } from './continuous.js';

export const FILES_ENGINE = 'files';
/** The service whose app writes FILESDIR: uwsgi (web role). */
export const FILES_SERVICE_KIND = 'uwsgi';

export interface FilesEngine extends RestoringEngine {
  readonly root: string;
  /** Creates FILESDIR (0750, the app's user) and says whether it already holds files. */
  prepare(): Promise<{ hasLocalData: boolean }>;
  restore(target: Date | undefined): Promise<RestoredFiles | undefined>;
}

export function filesEngine(options: {
  store: Store;
  root: string;
  intervalSec: number;
  identity: Identity | undefined;
  log: Logger;
}): FilesEngine {
  const { store, root, identity } = options;
  const log = options.log.child({ engine: FILES_ENGINE });
  const sync = new FilesSync({ store, root, log, intervalSec: options.intervalSec, host: hostname() });
  let started = false;

  return {
    engine: FILES_ENGINE,
    serviceKind: FILES_SERVICE_KIND,
    stopOrder: 20,
    restores: true,
    label: `the files in ${root}`,
    root,

    async prepare() {
      await ensureServiceDir(root, 0o750, identity);
      return { hasLocalData: (await readdir(root)).length > 0 };
    },

    async plan(target) {
      const newest = (await listIndexes(store)).find((i) => !target || i.time.getTime() <= target.getTime());
      return (
        newest && { engine: FILES_ENGINE, reachable: newest.time, describe: `files index ${fileIndexKey(newest.id)}` }
      );
    },

    restore: (target) => restoreFiles(store, root, { log, identity, target }),

    async start() {
      started = true;
      sync.start();
      log.info(`${root} synced to the store every ${options.intervalSec} s while it changes`);
    },

    async flush(deadline) {
      if (!started) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('the stop deadline came first')), Math.max(0, deadline - Date.now()));
      });
      try {
        await Promise.race([sync.flush(), late]);
      } finally {
        clearTimeout(timer);
      }
    },

    async stop() {
      sync.close();
    },

    async prune(keepFrom) {
      await sync.prune(keepFrom);
    },

    status(): ShippingStatus {
      const s = sync.status();
      return {
        engine: FILES_ENGINE,
        lagSeconds: s.lagSeconds,
        lagBytes: 0,
        ...(s.lastIndexId && s.lastSyncAt
          ? { lastShipped: { name: fileIndexKey(s.lastIndexId), at: s.lastSyncAt } }
          : {}),
        ...(s.lastError ? { error: s.lastError } : {}),
      };
    },
  };
}
