// Fake metadata endpoints on loopback, as real HTTP servers: the ECS task metadata v4 shape
// and EC2's IMDSv2 (token PUT with its TTL header, then GETs that must carry the token; a
// GET without it is refused with 401, as on an instance that requires IMDSv2).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FakeServer {
  base: string;
  seen: SeenRequest[];
  close: () => Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function serve(handler: Handler): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export interface EcsShape {
  container: unknown;
  task: unknown;
}

/** ECS_CONTAINER_METADATA_URI_V4 is `${base}/v4/abc`; GET only. */
export function ecsHandler(shape: EcsShape): Handler {
  return (req, res) => {
    if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
    if (req.url === '/v4/abc') return json(res, 200, shape.container);
    if (req.url === '/v4/abc/task') return json(res, 200, shape.task);
    return json(res, 404, { error: 'not found' });
  };
}

export const awsvpcNetworks = (ip: string) => [{ NetworkMode: 'awsvpc', IPv4Addresses: [ip], AttachmentIndex: 0 }];

export function imdsV2Handler(localIpv4: string, token = 'tok-123'): Handler {
  return (req, res) => {
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT') return json(res, 405, {});
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return json(res, 400, {});
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(token);
    }
    if (req.url === '/latest/meta-data/local-ipv4') {
      if (req.method !== 'GET') return json(res, 405, {});
      if (req.headers['x-aws-ec2-metadata-token'] !== token) {
        res.writeHead(401);
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(localIpv4);
    }
    res.writeHead(404);
    res.end();
  };
}

/** Accepts the request and never answers. */
export const hanging: Handler = () => undefined;
