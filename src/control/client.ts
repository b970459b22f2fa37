// Talks to a running instance's control socket (for `rolevisor status` and `backup`).
import { request } from 'node:http';
import { catalogError } from '../errors.js';

export async function controlRequest<T>(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs = 600_000,
): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
        } catch {
          reject(catalogError('RV_INTERNAL', 'controlNotJson', { status: res.statusCode }));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
          ? 'no rolevisor is running with this ROLEVISOR_HOME'
          : error.message;
      reject(catalogError('RV_CONTROL_UNREACHABLE', 'unreachable', { socketPath, reason }));
    });
    req.end();
  });
}
