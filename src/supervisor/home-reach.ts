// Before any service starts: every service's own user must be able to enter ROLEVISOR_HOME,
// where its data, config and sockets live. Otherwise the service fails in its own log
// ("Permission denied") and is restarted until the container gives up; one line here names
// the directory, the user and the fix instead. (BACKUPDIR is read and written by rolevisor
// itself, as root, never by a service user, so it needs no such check.)
import { catalogError } from '../errors.js';
import type { Settings } from '../settings/types.js';
import { blockerOnTheWay } from '../util/dir-reach.js';
import { identityFor } from '../util/identity.js';
import type { BuiltService } from './build.js';

export async function checkHomeReachable(settings: Settings, built: BuiltService[]): Promise<void> {
  const seen = new Set<string>();
  for (const b of built) {
    const user = b.ctx.user;
    if (!user || seen.has(user)) continue;
    seen.add(user);
    const identity = await identityFor(user);
    if (!identity) continue;
    const blocker = await blockerOnTheWay(settings.home, identity);
    if (!blocker) continue;
    throw catalogError('RV_HOME_UNREACHABLE', 'notSearchable', {
      home: settings.home,
      user,
      service: b.plan.name,
      dir: blocker.dir,
      mode: blocker.mode,
      uid: blocker.uid,
    });
  }
}
