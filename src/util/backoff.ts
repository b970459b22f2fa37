// Retry delays (a service's restarts, the log forwarder's reconnects): exponential with
// jitter, capped; and the "N failures in T seconds" rule.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** 0.25 = each delay varies by ±25%, so retries of many containers do not align. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000, jitter: 0.25 };

export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  const spread = exponential * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(exponential + spread));
}

/** Remembers failure times and tells whether more than `limit` fell inside `windowMs`. */
export class FailureWindow {
  private times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  record(now: number): void {
    this.times.push(now);
    this.times = this.times.filter((t) => now - t <= this.windowMs);
  }

  /** Failures within the window. */
  count(now: number): number {
    return this.times.filter((t) => now - t <= this.windowMs).length;
  }

  exceeded(now: number): boolean {
    return this.count(now) > this.limit;
  }
}
