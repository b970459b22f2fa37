// The address this host publishes for its backend services, in order: ADVERTISEADDRESS;
// the ECS task metadata (awsvpc IPv4); with EC2=true, IMDSv2 local-ipv4; with KUBERNETES=true,
// POD_IP or the pod's interface address; SERVERHOSTNAME; the first non-loopback IPv4.
// A step that fails is logged and the next one is tried; every step's outcome is in the
// final log line, so an operator sees why an address was (not) chosen.
import { errorMessage } from '../errors.js';
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { ecsTaskAddress } from './ecs-metadata.js';
import { ec2LocalIpv4 } from './ec2-metadata.js';
import { firstExternalIpv4, type InterfaceTable } from './interfaces.js';

export type AddressSource =
  | 'ADVERTISEADDRESS'
  | 'ecs-metadata'
  | 'ec2-metadata'
  | 'POD_IP'
  | 'pod-interface'
  | 'SERVERHOSTNAME'
  | 'interface'
  | 'hostname';

export interface OwnAddress {
  address: string;
  source: AddressSource;
}

export interface OwnAddressOptions {
  /** Deadline of each metadata HTTP call (default 1500 ms). */
  timeoutMs?: number;
  /** Retries of the EC2 metadata calls (default 2). */
  retries?: number;
  retryDelayMs?: number;
  /** For tests: the interface table instead of os.networkInterfaces(). */
  interfaces?: InterfaceTable;
}

type Step = { source: AddressSource; run: () => Promise<string | { skipped: string }> };

const skip = (why: string) => ({ skipped: why });

function steps(settings: Settings, options: OwnAddressOptions): Step[] {
  const net = settings.network;
  const timeoutMs = options.timeoutMs ?? 1500;
  const iface = () => firstExternalIpv4(options.interfaces);
  return [
    { source: 'ADVERTISEADDRESS', run: async () => net.advertiseAddress ?? skip('unset') },
    {
      source: 'ecs-metadata',
      run: async () => {
        if (!net.ecsMetadataUri) return skip('ECS_CONTAINER_METADATA_URI_V4 unset (not on ECS)');
        const answer = await ecsTaskAddress(net.ecsMetadataUri, timeoutMs);
        return 'address' in answer ? answer.address : answer;
      },
    },
    {
      source: 'ec2-metadata',
      run: async () =>
        net.ec2
          ? ec2LocalIpv4({
              endpoint: net.ec2MetadataEndpoint,
              timeoutMs,
              retries: options.retries ?? 2,
              retryDelayMs: options.retryDelayMs,
            })
          : skip('EC2 is false'),
    },
    {
      source: 'POD_IP',
      run: async () =>
        !net.kubernetes
          ? skip('KUBERNETES is false')
          : (net.podIp ?? skip('POD_IP unset (pass status.podIP with the downward API)')),
    },
    {
      source: 'pod-interface',
      run: async () =>
        !net.kubernetes ? skip('KUBERNETES is false') : (iface()?.address ?? skip('no non-loopback IPv4 interface')),
    },
    { source: 'SERVERHOSTNAME', run: async () => net.serverHostname ?? skip('unset') },
    { source: 'interface', run: async () => iface()?.address ?? skip('no non-loopback IPv4 interface') },
  ];
}

export async function detectOwnAddress(
  settings: Settings,
  log: Logger,
  options: OwnAddressOptions = {},
): Promise<OwnAddress> {
  const tried: Record<string, string> = {};
  for (const step of steps(settings, options)) {
    const started = Date.now();
    let outcome: string | { skipped: string };
    try {
      outcome = await step.run();
    } catch (error) {
      const reason = errorMessage(error);
      tried[step.source] = `failed: ${reason}`;
      log.warn(
        { source: step.source, ms: Date.now() - started },
        `own address: ${step.source} failed (${reason}); trying the next source`,
      );
      continue;
    }
    if (typeof outcome === 'string') {
      tried[step.source] = outcome;
      log.info({ address: outcome, source: step.source, tried }, `own address ${outcome} (from ${step.source})`);
      return { address: outcome, source: step.source };
    }
    tried[step.source] = `skipped: ${outcome.skipped}`;
    log.debug({ source: step.source }, `own address: ${step.source} skipped (${outcome.skipped})`);
  }
  // Only loopback here: the host name is the last resort, as docassemble does.
  const name = hostname();
  log.warn(
    { address: name, source: 'hostname', tried },
    `own address: no source gave an address; publishing the host name "${name}" (set ADVERTISEADDRESS)`,
  );
  return { address: name, source: 'hostname' };
}
