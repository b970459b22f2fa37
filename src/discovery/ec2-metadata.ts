// The instance's private IPv4 from EC2 instance metadata, IMDSv2 only: PUT a session token,
// then GET local-ipv4 with it. Each call has a short deadline and a couple of retries, so
// a host that is not on EC2 (or blocks IMDS) costs seconds, not minutes. In a container on
// bridge networking the token's PUT answer needs an IMDS hop limit of 2 or more.
import { errorMessage } from '../errors.js';
import { httpText } from './http-text.js';

export interface ImdsOptions {
  /** Base URL, e.g. http://169.254.169.254 (AWS_EC2_METADATA_SERVICE_ENDPOINT). */
  endpoint: string;
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  retryDelayMs?: number;
}

const TOKEN_TTL_SECONDS = '60';
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

async function attempt(endpoint: string, timeoutMs: number): Promise<string> {
  const token = await httpText({
    method: 'PUT',
    url: `${endpoint}/latest/api/token`,
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS },
    timeoutMs,
  });
  if (token.status !== 200 || !token.body) throw new Error(`PUT /latest/api/token answered HTTP ${token.status}`);
  const answer = await httpText({
    method: 'GET',
    url: `${endpoint}/latest/meta-data/local-ipv4`,
    headers: { 'x-aws-ec2-metadata-token': token.body.trim() },
    timeoutMs,
  });
  if (answer.status !== 200) throw new Error(`GET /latest/meta-data/local-ipv4 answered HTTP ${answer.status}`);
  const address = answer.body.trim();
  if (!IPV4.test(address))
    throw new Error(`local-ipv4 is not an IPv4 address: ${JSON.stringify(address.slice(0, 60))}`);
  return address;
}

export async function ec2LocalIpv4(options: ImdsOptions): Promise<string> {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  let last: unknown;
  for (let i = 0; i <= options.retries; i += 1) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 200));
    try {
      return await attempt(endpoint, options.timeoutMs);
    } catch (error) {
      last = error;
    }
  }
  const reason = errorMessage(last);
  throw new Error(`${reason} (after ${options.retries + 1} attempts at ${endpoint})`);
}
