// What uwsgi and the Celery worker share: Debian's Python, the bundled demo app, and an
// environment that names config.yml, the one source of the app's connection settings.
import { CHILD_TZ } from './child-tz.js';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { catalogError } from '../../errors.js';
import { configFilePath } from '../../settings/paths.js';
import type { ServiceContext } from '../types.js';

/** Debian's interpreter: a `python3` on PATH may be a pyenv one without Debian's modules. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Debian's directories only, so no other Python or tool shadows the packaged ones. */
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export const demoAppDir = (ctx: ServiceContext): string => join(ctx.paths.rolesDir, 'web', 'demo');

/**
 * The whole environment of a Python child. Database, Redis and broker addresses are not
 * here on purpose: the app reads them from config.yml (ROLEVISOR_CONFIG).
 */
export function pythonAppEnv(ctx: ServiceContext): Record<string, string> {
  return {
    ROLEVISOR_CONFIG: configFilePath(ctx.settings),
    HOME: ctx.identity?.home ?? userInfo().homedir,
    PATH,
    // C.UTF-8 always exists; LOCALE goes to the app through config.yml ("os locale").
    LANG: 'C.UTF-8',
    TZ: CHILD_TZ,
    // The app directory belongs to root: no __pycache__ attempts, and unbuffered logs.
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  };
}

/** Fails early, with what to do, when the service user could not read config.yml. */
export async function assertConfigReadable(ctx: ServiceContext): Promise<void> {
  const path = configFilePath(ctx.settings);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) {
    throw catalogError('RV_PREPARE_FAILED', 'appConfigMissing', { path });
  }
  const who = ctx.identity;
  if (!who || who.uid === 0) return;
  const readable =
    (info.uid === who.uid && (info.mode & 0o400) !== 0) ||
    (info.gid === who.gid && (info.mode & 0o040) !== 0) ||
    (info.mode & 0o004) !== 0;
  if (!readable) {
    throw catalogError('RV_PREPARE_FAILED', 'appConfigUnreadable', {
      path,
      user: who.user,
      uid: info.uid,
      mode: info.mode,
    });
  }
}
