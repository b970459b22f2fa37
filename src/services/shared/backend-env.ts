// The whole environment a backend program gets: nothing from rolevisor's own environment
// leaks in (AWS keys, DBPASSWORD, ...), only what the program needs. TZ is UTC, as for
// every child (child-tz.ts): Redis stamps its lines in the process's local time, and a TZ
// on the container (docker run -e TZ=...) must not make them disagree with ours.
import { CHILD_TZ } from './child-tz.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `home` is a directory of the service (its data dir): the user's own may not exist. */
export function backendEnv(home: string, extra: Record<string, string> = {}, path = PATH): Record<string, string> {
  return { PATH: path, HOME: home, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: CHILD_TZ, ...extra };
}
