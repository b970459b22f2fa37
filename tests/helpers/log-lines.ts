// What every test's rolevisor process has in common: its JSON log lines collected from
// stdout (a line that is not JSON is kept as level "raw"), its stderr, and waiting for a
// line, past or future, bounded by a timeout and by the process's exit.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface LogLine {
  level: string;
  msg: string;
  service?: string;
  [key: string]: unknown;
}

export abstract class LogLineCollector {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  private ended: Promise<string> = new Promise(() => undefined);

  /** `label` names the process in errors; `exited` resolves, with how, when it is gone. */
  protected collect(label: string, stdout: Readable, stderr: Readable, exited: Promise<string>): void {
    this.label = label;
    this.ended = exited;
    createInterface({ input: stdout }).on('line', (text) => this.take(text));
    createInterface({ input: stderr }).on('line', (text) => this.stderr.push(text));
  }

  private label = 'rolevisor';

  private take(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 'raw', msg: text };
    }
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (w.test(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  /** Resolves with the first log line (past or future) that passes `test`; rejects on timeout or exit. */
  waitFor(test: (l: LogLine) => boolean, timeoutMs = 120_000, what = 'a log line'): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (l: LogLine) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      const fail = (why: string) => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`${this.label}: ${why} while waiting for ${what}; last lines:\n${this.tail()}`));
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      void this.ended.then((how) => {
        clearTimeout(timer);
        if (this.waiters.includes(waiter)) fail(`exited (${how})`);
      });
      this.waiters.push(waiter);
    });
  }

  waitForMessage(pattern: RegExp, timeoutMs?: number): Promise<LogLine> {
    return this.waitFor((l) => pattern.test(String(l.msg)), timeoutMs, `a line matching ${pattern}`);
  }

  tail(n = 40): string {
    return [
      ...this.lines
        .slice(-n)
        .map((l) => `${l.level} ${l.service ?? (typeof l.component === 'string' ? l.component : '')} ${l.msg}`),
      ...this.stderr.slice(-10),
    ].join('\n');
  }
}
