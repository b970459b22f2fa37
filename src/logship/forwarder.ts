// Sends log lines to the central log server (LOGSERVER) as RFC 5424 over TCP. send() never
// blocks and never throws: lines go to a bounded queue (oldest dropped and counted when the
// server is away or slow) that one connection drains, honouring the socket's back-pressure.
// After drops, the next line the server sees says how many were lost.
import { connect, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { parseLogServer, type LogServerAddress } from './address.js';
import { backoffDelay, type BackoffOptions } from '../util/backoff.js';
import { BoundedLineQueue } from './queue.js';
import { formatRfc5424, type LogLevel } from './rfc5424.js';

export type { LogLevel };

export interface LogForwarderOptions {
  /** LOGSERVER: "host" or "host:port". */
  server: string;
  /** Port when `server` names none (LOGPORT). */
  defaultPort: number;
  /** HOSTNAME field of every message; default os.hostname(). */
  hostname?: string;
  /** Queue bounds while the server is away or slow. */
  maxBufferedLines?: number;
  maxBufferedBytes?: number;
  /** Longer message bodies are cut (syslog-ng takes 64 KiB messages). */
  maxMessageBytes?: number;
  backoff?: Partial<BackoffOptions>;
  connectTimeoutMs?: number;
  /** Bytes written to the socket per write() call. */
  batchBytes?: number;
  /** APP-NAME of the "dropped N lines" notice. */
  noticeProgram?: string;
  /** Told when the connection comes or goes (e.g. to log it); must not throw. */
  onStatus?: (event: 'connected' | 'disconnected', detail: string) => void;
}

export interface ForwarderStats {
  /** Lines handed to the socket (TCP syslog has no acknowledgements). */
  sent: number;
  /** Lines dropped: queue full, too long, or sent after close(). */
  dropped: number;
  /** Lines waiting in the queue. */
  buffered: number;
  bufferedBytes: number;
  connected: boolean;
}

const DEFAULTS = {
  maxBufferedLines: 10_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxMessageBytes: 16 * 1024,
  // ±50%: a fleet of hosts that lost the log server together does not reconnect in lockstep.
  backoff: { baseMs: 200, capMs: 30_000, jitter: 0.5 },
  connectTimeoutMs: 5_000,
  batchBytes: 64 * 1024,
};
/** A connection that lasted this long resets the backoff; shorter ones keep growing it. */
const STABLE_MS = 10_000;
/** Pause between connection attempts while close() is flushing. */
const CLOSING_RETRY_MS = 100;

export class LogForwarder {
  readonly address: LogServerAddress;
  private readonly hostname: string;
  private readonly queue: BoundedLineQueue;
  private readonly options: Required<
    Omit<LogForwarderOptions, 'hostname' | 'onStatus' | 'backoff' | 'server' | 'defaultPort'>
  > & { backoff: BackoffOptions };
  private readonly onStatus: LogForwarderOptions['onStatus'];
  private socket: Socket | undefined;
  private connected = false;
  private connectedAt = 0;
  private waitingDrain = false;
  private pumpScheduled = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private sentCount = 0;
  private droppedAfterClose = 0;
  private closing = false;
  private ending = false;
  private closed = false;
  private closeDone: (() => void) | undefined;
  private closePromise: Promise<void> | undefined;

  constructor(options: LogForwarderOptions) {
    this.address = parseLogServer(options.server, options.defaultPort);
    this.hostname = options.hostname ?? osHostname();
    this.onStatus = options.onStatus;
    this.options = {
      maxBufferedLines: options.maxBufferedLines ?? DEFAULTS.maxBufferedLines,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
      backoff: { ...DEFAULTS.backoff, ...options.backoff },
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      batchBytes: options.batchBytes ?? DEFAULTS.batchBytes,
      noticeProgram: options.noticeProgram ?? 'rolevisor',
    };
    this.queue = new BoundedLineQueue(this.options.maxBufferedLines, this.options.maxBufferedBytes);
    this.connect();
  }

  /** Queues one line; returns at once. Never throws. */
  send(program: string, level: LogLevel, message: string): void {
    try {
      if (this.closed || this.ending) {
        this.droppedAfterClose++;
        return;
      }
      this.queue.push(Buffer.from(this.format(program, level, message)));
      this.schedulePump();
    } catch {
      // A log line must never take its caller down.
    }
  }

  stats(): ForwarderStats {
    return {
      sent: this.sentCount,
      dropped: this.queue.droppedTotal + this.droppedAfterClose,
      buffered: this.queue.length,
      bufferedBytes: this.queue.bytes,
      connected: this.connected,
    };
  }

  /** Flushes what is queued, for at most `timeoutMs`, then closes the connection. Never rejects. */
  close(timeoutMs = 2_000): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    this.closePromise = new Promise<void>((resolve) => {
      // This timer is not unref'd: the flush may keep the process alive, up to the deadline.
      const deadline = setTimeout(() => this.finishClose(), timeoutMs);
      this.closeDone = () => {
        clearTimeout(deadline);
        resolve();
      };
      this.socket?.ref();
      if (!this.socket) {
        clearTimeout(this.reconnectTimer);
        this.connect();
      } else {
        this.pump();
      }
    });
    return this.closePromise;
  }

  private format(program: string, level: LogLevel, message: string): string {
    return formatRfc5424({
      hostname: this.hostname,
      appName: program,
      level,
      message: String(message),
      maxMessageBytes: this.options.maxMessageBytes,
    });
  }

  private connect(): void {
    if (this.closed || this.socket) return;
    this.reconnectTimer = undefined;
    const socket = connect({ host: this.address.host, port: this.address.port });
    this.socket = socket;
    if (!this.closing) socket.unref();
    socket.setNoDelay(true);
    socket.setTimeout(this.options.connectTimeoutMs, () =>
      socket.destroy(new Error(`no connection within ${this.options.connectTimeoutMs} ms`)),
    );
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 15_000);
      this.connected = true;
      this.connectedAt = Date.now();
      this.safeStatus('connected', `${this.address.host}:${this.address.port}`);
      this.pump();
    });
    // The server has nothing to say; its FIN means it went away.
    socket.on('data', () => undefined);
    socket.on('end', () => socket.destroy());
    let lastError = '';
    socket.on('error', (error) => {
      lastError = error.message;
    });
    socket.on('close', () => this.onClose(socket, lastError));
  }

  private onClose(socket: Socket, reason: string): void {
    if (this.socket !== socket) return;
    const wasConnected = this.connected;
    this.socket = undefined;
    this.connected = false;
    this.waitingDrain = false;
    if (wasConnected) {
      if (Date.now() - this.connectedAt >= STABLE_MS) this.attempt = 0;
      this.safeStatus('disconnected', reason || 'the server closed the connection');
    }
    if (this.closed) return;
    if (this.closing && this.queue.length === 0) {
      this.finishClose();
      return;
    }
    const delay = this.closing ? CLOSING_RETRY_MS : backoffDelay(this.attempt++, this.options.backoff);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    if (!this.closing) this.reconnectTimer.unref();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.connected || this.waitingDrain) return;
    this.pumpScheduled = true;
    // Lines sent in the same tick go out in one write.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const socket = this.socket;
    if (!socket || !this.connected || this.waitingDrain || this.ending) return;
    const dropped = this.queue.takeDropped();
    if (dropped > 0) {
      const notice = `log forwarder dropped ${dropped} line${dropped === 1 ? '' : 's'} while ${this.address.host}:${this.address.port} was unreachable or slow`;
      socket.write(this.format(this.options.noticeProgram, 'warn', notice));
    }
    for (;;) {
      const batch = this.queue.takeBatch(this.options.batchBytes);
      if (!batch) break;
      this.sentCount += batch.lines;
      if (!socket.write(batch.data)) {
        // Back-pressure: new lines wait in the bounded queue, not in the socket's buffer.
        this.waitingDrain = true;
        socket.once('drain', () => {
          this.waitingDrain = false;
          this.pump();
        });
        return;
      }
    }
    if (this.closing) {
      // Everything is written: FIN after the last byte; lines sent from now on are dropped.
      this.ending = true;
      socket.end(() => this.finishClose());
    }
  }

  private finishClose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    this.socket = undefined;
    this.connected = false;
    this.closeDone?.();
  }

  private safeStatus(event: 'connected' | 'disconnected', detail: string): void {
    try {
      this.onStatus?.(event, detail);
    } catch {
      // A status listener must not break forwarding.
    }
  }
}
