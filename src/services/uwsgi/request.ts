// A minimal client of the uwsgi wire protocol (what nginx's uwsgi_pass speaks), so the
// probe sends the app a real WSGI request over the unix socket instead of a bare connect.
// Packet: modifier1 (u8 = 0: WSGI), size of the vars (u16 LE), modifier2 (u8 = 0), then
// each var as u16 LE key length, key, u16 LE value length, value.
import { connect } from 'node:net';

export function encodeUwsgiPacket(vars: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(vars)) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length > 0xffff) throw new RangeError(`uwsgi var ${key} is longer than 65535 bytes`);
      const length = Buffer.alloc(2);
      length.writeUInt16LE(bytes.length);
      parts.push(length, bytes);
    }
  }
  const body = Buffer.concat(parts);
  if (body.length > 0xffff) throw new RangeError('uwsgi vars are longer than 65535 bytes');
  const header = Buffer.alloc(4);
  header.writeUInt8(0, 0);
  header.writeUInt16LE(body.length, 1);
  header.writeUInt8(0, 3);
  return Buffer.concat([header, body]);
}

export function wsgiGetVars(path: string): Record<string, string> {
  const [pathInfo = '/', query = ''] = path.split('?', 2);
  return {
    REQUEST_METHOD: 'GET',
    REQUEST_URI: path,
    PATH_INFO: pathInfo,
    QUERY_STRING: query,
    SCRIPT_NAME: '',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: 'localhost',
    SERVER_PORT: '80',
    REMOTE_ADDR: '127.0.0.1',
    HTTP_HOST: 'localhost',
    HTTP_USER_AGENT: 'rolevisor-probe',
  };
}

/** Sends GET `path` to the uwsgi socket; resolves with the HTTP status the app answered. */
export function uwsgiGet(socketPath: string, path: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    let head = '';
    const finish = (error: Error | undefined, status?: number) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(status as number);
    };
    const onAbort = () => finish(new Error(`no answer from ${socketPath} before the probe timed out`));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();
    socket.once('connect', () => socket.write(encodeUwsgiPacket(wsgiGetVars(path))));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n');
      if (end === -1) {
        if (head.length > 8192) finish(new Error(`uwsgi answered ${path} with no status line`));
        return;
      }
      const match = /^HTTP\/\d\.\d (\d{3})/.exec(head.slice(0, end));
      finish(
        match ? undefined : new Error(`uwsgi answered ${path} with "${head.slice(0, Math.min(end, 80))}"`),
        match ? Number(match[1]) : undefined,
      );
    });
    socket.once('end', () => finish(new Error(`uwsgi closed the connection without answering ${path}`)));
    socket.once('error', (error) => finish(new Error(`cannot reach uwsgi at ${socketPath}: ${error.message}`)));
  });
}
