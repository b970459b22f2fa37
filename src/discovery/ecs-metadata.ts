// The task's private IPv4 from the ECS task metadata endpoint v4, which ECS sets in every
// container as ECS_CONTAINER_METADATA_URI_V4. `${uri}` describes this container, `${uri}/task`
// the whole task; both carry Networks[].IPv4Addresses. Only awsvpc addresses (Fargate, or
// EC2 with awsvpc) are reachable from other tasks: a bridge-mode address is private to the
// instance, so it is refused with the reason (use EC2=true there).
import { httpText } from './http-text.js';

export interface EcsNetwork {
  NetworkMode?: string;
  IPv4Addresses?: string[];
}

interface EcsContainer {
  Networks?: EcsNetwork[];
}

interface EcsTask {
  Containers?: EcsContainer[];
}

export type AddressAnswer = { address: string } | { skipped: string };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The first awsvpc IPv4 among networks, or why there is none. */
export function awsvpcAddress(networks: EcsNetwork[]): AddressAnswer {
  const modes = new Set<string>();
  for (const network of networks) {
    const mode = (network.NetworkMode ?? '').toLowerCase();
    modes.add(mode || '(none)');
    if (mode !== 'awsvpc') continue;
    const address = (network.IPv4Addresses ?? []).find((a) => IPV4.test(a));
    if (address) return { address };
  }
  if (modes.size === 0) return { skipped: 'the metadata lists no networks' };
  return {
    skipped: `network mode ${[...modes].join(', ')} has no awsvpc IPv4 address reachable from other tasks; use awsvpc networking, or EC2=true with host port mappings`,
  };
}

function parseJson(body: string, what: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new Error(`${what} is not JSON`);
  }
}

export async function ecsTaskAddress(uri: string, timeoutMs: number): Promise<AddressAnswer> {
  const base = uri.replace(/\/+$/, '');
  const container = await httpText({ method: 'GET', url: base, timeoutMs });
  if (container.status !== 200) throw new Error(`GET ${base} answered HTTP ${container.status}`);
  const own = awsvpcAddress((parseJson(container.body, 'the container metadata') as EcsContainer).Networks ?? []);
  if ('address' in own) return own;
  // The task's view lists every container; in awsvpc they all share the task's address.
  const task = await httpText({ method: 'GET', url: `${base}/task`, timeoutMs });
  if (task.status !== 200) throw new Error(`GET ${base}/task answered HTTP ${task.status}`);
  const containers = (parseJson(task.body, 'the task metadata') as EcsTask).Containers ?? [];
  const fromTask = awsvpcAddress(containers.flatMap((c) => c.Networks ?? []));
  return 'address' in fromTask ? fromTask : own;
}
