// Where a docassemble deployment is adopted from: a mounted docassemble backup folder when
// ADOPTFROM names one, else the store itself (docassemble's keys sit at the bucket's or the
// container's root, beside rolevisor's generations/). A folder is only ever read.
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { FsStore } from '../store/fs-store.js';
import type { Store } from '../store/store.js';

export function adoptionSource(settings: Settings, store: Store, log: Logger): Store {
  if (!settings.adoptFrom) return store;
  return new FsStore({ root: settings.adoptFrom, log });
}
