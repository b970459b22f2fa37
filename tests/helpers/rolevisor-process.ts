// Runs `rolevisor` as a real process (from the TypeScript sources through tsx), collecting
// its JSON log lines, for end-to-end tests.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
export const BASE_ENV: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

export interface LogLine {
  level: string;
  msg: string;
  service?: string;
  [key: string]: unknown;
}

export class RolevisorProcess {
  readonly child: ResultPromise;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(args: string[], env: Record<string, string>) {
    this.child = execa(process.execPath, ['--import', 'tsx', '--', CLI, ...args], {
      env: { ...BASE_ENV, ...env },
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
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
    });
    createInterface({ input: this.child.stderr! }).on('line', (text) => this.stderr.push(text));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first log line (past or future) that passes `test`. */
  waitFor(test: (l: LogLine) => boolean, timeoutMs = 120_000, what = 'log line'): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; last lines:\n${this.tail()}`)), timeoutMs);
      const exitWatch = this.child.then(() => {
        clearTimeout(timer);
        reject(new Error(`rolevisor exited while waiting for ${what}; last lines:\n${this.tail()}`));
      });
      void exitWatch;
      this.waiters.push({ test, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  waitForMessage(pattern: RegExp, timeoutMs?: number): Promise<LogLine> {
    return this.waitFor((l) => pattern.test(String(l.msg)), timeoutMs, `a line matching ${pattern}`);
  }

  ready(timeoutMs = 240_000): Promise<LogLine> {
    return this.waitForMessage(/^all services ready/, timeoutMs);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ exitCode: number | undefined; ms: number }> {
    const started = Date.now();
    this.child.kill(signal);
    const result = await this.child;
    return { exitCode: result.exitCode, ms: Date.now() - started };
  }

  async exit(): Promise<number | undefined> {
    return (await this.child).exitCode;
  }

  tail(n = 30): string {
    return [...this.lines.slice(-n).map((l) => `${l.level} ${l.service ?? ''} ${l.msg}`), ...this.stderr.slice(-10)].join('\n');
  }
}

export function runCli(args: string[], env: Record<string, string>) {
  return execa(process.execPath, ['--import', 'tsx', '--', CLI, ...args], { env: { ...BASE_ENV, ...env }, extendEnv: false, reject: false });
}
