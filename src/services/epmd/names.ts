// epmd's NAMES_REQ over TCP (Erlang distribution protocol): two length bytes, then 110 ('n').
// epmd answers with its own port (4 bytes, big-endian) and one line per registered node,
// "name <node> at port <port>", then closes.
import { errorMessage } from '../../errors.js';
import { connect } from 'node:net';

export interface EpmdNames {
  /** The port epmd says it listens on (its answer proves it is epmd, not just an open port). */
  epmdPort: number;
  nodes: { name: string; port: number }[];
}

const NAMES_REQ = Buffer.from([0, 1, 110]);

export function parseNamesReply(reply: Buffer): EpmdNames {
  if (reply.length < 4) throw new Error(`epmd sent ${reply.length} bytes, not a NAMES reply`);
  const nodes = reply
    .subarray(4)
    .toString('utf8')
    .split('\n')
    .flatMap((line) => {
      const match = /^name (\S+) at port (\d+)$/.exec(line.trim());
      return match ? [{ name: match[1], port: Number(match[2]) }] : [];
    });
  return { epmdPort: reply.readUInt32BE(0), nodes };
}

export function epmdNames(host: string, port: number, signal: AbortSignal): Promise<EpmdNames> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    const onAbort = () => socket.destroy(new Error(`epmd on ${host}:${port} did not answer in time`));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.write(NAMES_REQ));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    socket.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      try {
        resolve(parseNamesReply(Buffer.concat(chunks)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(errorMessage(error)));
      }
    });
  });
}
