// One small HTTP request with a hard deadline, for the metadata endpoints (ECS, EC2). A
// metadata service that hangs must not hang the boot: the whole exchange, not just the
// idle time, is bounded. No keep-alive: these are one-off calls at boot.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpTextRequest {
  method: 'GET' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export interface HttpTextResponse {
  status: number;
  body: string;
}

/** Metadata answers are a few KiB; anything larger is not what we asked for. */
const MAX_BODY_BYTES = 256 * 1024;

export function httpText({ method, url, headers = {}, timeoutMs }: HttpTextRequest): Promise<HttpTextResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method, headers: { ...headers, 'content-length': '0' }, agent: false });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer from ${target.origin} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES)
          req.destroy(new Error(`answer from ${target.origin} is larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    req.end();
  });
}
