// What a client without (or with the well-known) credentials gets from each backend
// listener: the raw first answer, so a test can tell a refusal from a success.
import { connect } from 'node:net';
import amqp from 'amqplib';
import pg from 'pg';

/** Sends PING to Redis with no AUTH; returns Redis's first reply line (e.g. "-NOAUTH ..."). */
export function redisAnonymousPing(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write('PING\r\n'));
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer from Redis in 5 s')));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.split('\r\n')[0] ?? '');
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

/** The error a PostgreSQL login gets, or 'accepted'. */
export async function pgLogin(options: pg.ClientConfig): Promise<string> {
  const client = new pg.Client({ connectionTimeoutMillis: 5000, ...options });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return 'accepted';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The error an AMQP login gets, or 'accepted'. */
export async function amqpLogin(url: string): Promise<string> {
  try {
    const connection = await amqp.connect(url, { timeout: 5000 });
    connection.on('error', () => undefined);
    await connection.close();
    return 'accepted';
  } catch (error) {
    return (error as Error).message;
  }
}
