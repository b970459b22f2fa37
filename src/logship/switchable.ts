// The log sink of a host whose log server may be found later (discovery) or move: lines go
// to the current forwarder; before the first one exists, the newest lines wait in a small
// buffer and go out first once a log server is known, so the boot's lines are not lost.
import type { LogForwarder } from './forwarder.js';
import type { LineSink } from './pino-stream.js';
import type { LogLevel } from './rfc5424.js';

const EARLY_LINES = 2000;

export class SwitchableSink implements LineSink {
  #forwarder: LogForwarder | undefined;
  #server: string | undefined;
  #early: { program: string; level: LogLevel; message: string }[] | undefined = [];

  /** `create` may import the forwarder first: a host that forwards nowhere never loads it. */
  constructor(
    private readonly create: (server: string) => LogForwarder | undefined | Promise<LogForwarder | undefined>,
  ) {}

  get server(): string | undefined {
    return this.#server;
  }

  send(program: string, level: LogLevel, message: string): void {
    if (this.#forwarder) {
      this.#forwarder.send(program, level, message);
      return;
    }
    if (!this.#early) return;
    this.#early.push({ program, level, message });
    if (this.#early.length > EARLY_LINES) this.#early.shift();
  }

  /** Points the sink at `server` (undefined: no forwarding); the previous forwarder flushes and closes. */
  async point(server: string | undefined, closeTimeoutMs = 2000): Promise<void> {
    if (server === this.#server && this.#early === undefined) return;
    const previous = this.#forwarder;
    this.#server = server;
    // Until the new forwarder exists, lines still go to the previous one (or wait).
    this.#forwarder = server ? await this.create(server) : undefined;
    if (this.#forwarder && this.#early) {
      for (const line of this.#early) this.#forwarder.send(line.program, line.level, line.message);
    }
    // Once a decision was made (a server, or none), early lines are no longer kept.
    this.#early = undefined;
    await previous?.close(closeTimeoutMs);
  }

  async close(timeoutMs: number): Promise<void> {
    this.#early = undefined;
    const current = this.#forwarder;
    this.#forwarder = undefined;
    await current?.close(timeoutMs);
  }
}
