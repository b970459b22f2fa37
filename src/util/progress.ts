// A pass-through that counts the bytes of a transfer and says how it goes: a log line every
// few seconds (bytes, rate, eta when the total is known) and a summary at the end, so a
// long backup or restore is never silent (docassemble's start-up showed nothing for minutes).
import { Transform, type TransformCallback } from 'node:stream';
import type { Logger } from '../log.js';

export interface ProgressOptions {
  /** What is being done, e.g. "put" or "get". */
  op: string;
  /** What it is done to, e.g. a store key. */
  key?: string;
  /** The expected number of bytes, when known: lines then carry an eta. */
  total?: number;
  /** Milliseconds between progress lines. */
  intervalMs?: number;
  /**
   * Log the summary when the data ends (default). A writer whose work goes on after the
   * last byte (an upload completing) passes false and calls finish() once it is done.
   */
  summaryOnEnd?: boolean;
}

export const DEFAULT_PROGRESS_INTERVAL_MS = 5000;
/** Transfers at least this big get an info-level summary even when they were quick. */
const LOUD_SUMMARY_BYTES = 8 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export class ProgressMeter extends Transform {
  #bytes = 0;
  #linesLogged = 0;
  #finished = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #started = Date.now();
  readonly #log: Logger;
  readonly #options: ProgressOptions;

  constructor(log: Logger, options: ProgressOptions) {
    super();
    this.#log = log;
    this.#options = options;
    const interval = options.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    this.#timer = setInterval(() => this.#report(), interval);
    this.#timer.unref();
  }

  get bytes(): number {
    return this.#bytes;
  }

  get elapsedMs(): number {
    return Date.now() - this.#started;
  }

  /** Average bytes per second since the start. */
  get rate(): number {
    const seconds = this.elapsedMs / 1000;
    return seconds > 0 ? Math.round(this.#bytes / seconds) : 0;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#options.summaryOnEnd !== false) this.finish();
    else this.#stop();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stop();
    callback(error);
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #fields(): Record<string, unknown> {
    const { op, key, total } = this.#options;
    return {
      op,
      ...(key === undefined ? {} : { key }),
      bytes: this.#bytes,
      ...(total === undefined ? {} : { total }),
      rate: this.rate,
    };
  }

  #report(): void {
    const { op, key, total } = this.#options;
    const rate = this.rate;
    const fields = this.#fields();
    let text = `${op}${key ? ` ${key}` : ''}: ${formatBytes(this.#bytes)}`;
    if (total !== undefined) text += ` of ${formatBytes(total)}`;
    text += ` at ${formatBytes(rate)}/s`;
    if (total !== undefined && rate > 0) {
      const eta = Math.max(0, Math.ceil((total - this.#bytes) / rate));
      fields.eta = eta;
      text += `, about ${eta} s left`;
    }
    this.#linesLogged += 1;
    this.#log.info(fields, text);
  }

  /** Stops the periodic lines and logs the summary (once). */
  finish(): void {
    this.#stop();
    if (this.#finished) return;
    this.#finished = true;
    const { op, key } = this.#options;
    const durationMs = this.elapsedMs;
    const fields = { ...this.#fields(), durationMs, done: true };
    const text = `${op}${key ? ` ${key}` : ''}: ${formatBytes(this.#bytes)} in ${(durationMs / 1000).toFixed(1)} s (${formatBytes(this.rate)}/s)`;
    // Many tiny objects (discovery keys, manifests) would drown the log at info.
    if (this.#linesLogged > 0 || this.#bytes >= LOUD_SUMMARY_BYTES) this.#log.info(fields, text);
    else this.#log.debug(fields, text);
  }
}

export function progressMeter(log: Logger, options: ProgressOptions): ProgressMeter {
  return new ProgressMeter(log, options);
}
