// LOGSERVER: "host", "host:port", "[v6]:port" or a bare IPv6 address.
import { catalogError } from '../errors.js';

export interface LogServerAddress {
  host: string;
  port: number;
}

export function parseLogServer(value: string, defaultPort: number): LogServerAddress {
  const text = value.trim();
  const fail = (why: string): never => {
    throw catalogError('RV_CONFIG_INVALID', 'logServer', { value, why });
  };
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host = '', portText] = text.split(':');
  }
  if (!host) fail('no host');
  if (/[\s/@?#]/.test(host)) fail('the host may not contain spaces, "/", "@", "?" or "#"');
  if (portText === undefined) return { host, port: defaultPort };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) fail('the port must be a number from 1 to 65535');
  return { host, port };
}
