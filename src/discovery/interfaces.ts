// The first IPv4 address of this machine that other hosts can reach (not loopback), as
// os.networkInterfaces() lists them.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export type InterfaceTable = Record<string, NetworkInterfaceInfo[] | undefined>;

export function firstExternalIpv4(
  table: InterfaceTable = networkInterfaces(),
): { address: string; iface: string } | undefined {
  for (const [iface, infos] of Object.entries(table)) {
    // Node 18.0-18.3 reported family as a number.
    const found = (infos ?? []).find((i) => !i.internal && (i.family === 'IPv4' || (i.family as unknown) === 4));
    if (found) return { address: found.address, iface };
  }
  return undefined;
}
