// The read-only log viewer: GET / lists hosts and files (HTML, or JSON with ?format=json),
// GET /view?file=<host>/<program>.log&lines=N shows the last N lines, GET /healthz says
// whether the log directory is readable. Any other method is refused (405).
import { errorMessage } from '../errors.js';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { authorized, type ViewerAuth } from './auth.js';
import { escapeHtml, listingPage, tailPage } from './html.js';
import { listLogs } from './listing.js';
import { resolveLogFile } from './safe-path.js';
import { tailLines } from './tail.js';

export interface LogViewerOptions {
  /** The log directory (<home>/log). */
  dir: string;
  defaultLines?: number;
  maxLines?: number;
  /** Every page but /healthz asks for these (HTTP Basic); undefined: open to anyone who reaches it. */
  auth?: ViewerAuth;
  /** Errors the viewer cannot show to a client (stderr by default). */
  onError?: (error: unknown) => void;
}

const HEADERS = {
  // No scripts, no frames, no outside resources: log lines are hostile input.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

type Reply = { status: number; type: string; body: string; headers?: Record<string, string> };

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  type: 'text/plain; charset=utf-8',
  body: `${body}\n`,
  headers,
});

export function createLogViewer(options: LogViewerOptions): Server {
  const defaultLines = options.defaultLines ?? 200;
  const maxLines = options.maxLines ?? 5000;
  const onError = options.onError ?? ((error: unknown) => process.stderr.write(`logviewer: ${errorMessage(error)}\n`));

  async function route(req: IncomingMessage): Promise<Reply> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return text(405, 'read-only: only GET and HEAD', { Allow: 'GET, HEAD' });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://logviewer.invalid');
    } catch {
      return text(400, 'bad request');
    }
    const format = url.searchParams.get('format');
    if (options.auth && url.pathname !== '/healthz' && !authorized(req.headers.authorization, options.auth))
      return text(
        401,
        'the log viewer needs its user and password (rolevisor status on the log host says where they are)',
        {
          'WWW-Authenticate': 'Basic realm="rolevisor logs", charset="UTF-8"',
        },
      );
    switch (url.pathname) {
      case '/healthz':
        return access(options.dir, constants.R_OK | constants.X_OK).then(
          () => text(200, 'ok'),
          () => text(503, 'the log directory is not readable'),
        );
      case '/': {
        const hosts = await listLogs(options.dir);
        if (format === 'json') return { status: 200, type: 'application/json', body: `${JSON.stringify({ hosts })}\n` };
        return { status: 200, type: 'text/html; charset=utf-8', body: listingPage(hosts) };
      }
      case '/view': {
        const linesParam = url.searchParams.get('lines');
        if (linesParam !== null && !/^\d{1,9}$/.test(linesParam)) return text(400, 'lines must be a whole number');
        const lines = Math.min(maxLines, Math.max(1, linesParam === null ? defaultLines : Number(linesParam)));
        const found = await resolveLogFile(options.dir, url.searchParams.get('file') ?? '');
        if (!found.ok) return text(found.status, found.reason);
        const tail = await tailLines(found.path, lines).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ELOOP' || error.code === 'ENOTFILE') return undefined;
          throw error;
        });
        if (!tail) return text(404, 'no such log file');
        if (format === 'text') return text(200, tail.lines.join('\n'));
        if (format === 'json')
          return {
            status: 200,
            type: 'application/json',
            body: `${JSON.stringify({ file: found.name, size: tail.size, truncated: tail.truncated, lines: tail.lines })}\n`,
          };
        return { status: 200, type: 'text/html; charset=utf-8', body: tailPage(found.name, tail, lines) };
      }
      default:
        return text(404, `not found: ${escapeHtml(url.pathname).slice(0, 200)}`);
    }
  }

  function respond(res: ServerResponse, reply: Reply): void {
    res.writeHead(reply.status, {
      ...HEADERS,
      ...reply.headers,
      'Content-Type': reply.type,
      'Content-Length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
  }

  return createServer((req, res) => {
    // Bodies are never read: drain and ignore them.
    req.resume();
    route(req).then(
      (reply) => respond(res, reply),
      (error: unknown) => {
        onError(error);
        if (!res.headersSent) respond(res, text(500, 'the log viewer failed; see its log'));
        else res.destroy();
      },
    );
  });
}
