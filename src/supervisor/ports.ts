// Two services of one host must not listen on the same port: found before anything starts.
import { catalogError } from '../errors.js';
import type { Listener } from '../services/types.js';

export interface OwnedListener extends Listener {
  owner: string;
}

export function checkPortConflicts(listeners: OwnedListener[]): void {
  const problems: string[] = [];
  const seen = new Map<string, OwnedListener>();
  for (const l of listeners) {
    const protocols = l.protocol === 'tcp+udp' ? ['tcp', 'udp'] : [l.protocol ?? 'tcp'];
    for (const protocol of protocols) {
      const key = `${protocol}/${l.port}`;
      const other = seen.get(key);
      // One service may listen on a port twice (IPv4 and IPv6); two services may not.
      if (other && other.owner !== l.owner) {
        problems.push(
          `port ${l.port}/${protocol} is wanted by both ${other.owner} (${other.name}) and ${l.owner} (${l.name}); give one of them another port setting`,
        );
      } else if (!other) {
        seen.set(key, l);
      }
    }
  }
  if (problems.length > 0) {
    throw catalogError('RV_CONFIG_INVALID', 'portConflicts', { count: problems.length }, { details: problems });
  }
}
