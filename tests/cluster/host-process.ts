// `rolevisor run` inside one host's network namespace, from the TypeScript sources through
// tsx as tests/helpers/rolevisor-process.ts does, collecting its JSON log lines. `ip netns
// exec` execs node, so the child's pid is rolevisor's own and signals reach it directly.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { BASE_ENV, CLI, type LogLine } from '../helpers/rolevisor-process.js';
import { inNetns, type NetnsHost } from './netns.js';

export class HostProcess {
  readonly child: ResultPromise;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly startedAt = Date.now();
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(readonly host: NetnsHost, env: Record<string, string>, args: string[] = ['run']) {
    const [file, argv] = inNetns(host.netns, process.execPath, ['--import', 'tsx', '--', CLI, ...args]);
    this.child = execa(file, argv, { env: { ...BASE_ENV, ...env }, extendEnv: false, reject: false, buffer: false, stdin: 'ignore' });
    createInterface({ input: this.child.stdout! }).on('line', (text) => this.take(text));
    createInterface({ input: this.child.stderr! }).on('line', (text) => this.stderr.push(text));
  }

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

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line (past or future) that passes `test`; rejects on timeout or exit. */
  waitFor(test: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (l: LogLine) => { clearTimeout(timer); resolve(l); } };
      const fail = (why: string) => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`${this.host.name}: ${why} waiting for ${what}; last lines:\n${this.tail()}`));
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      void this.child.then((r) => {
        clearTimeout(timer);
        if (this.waiters.includes(waiter)) fail(`rolevisor exited (code ${r.exitCode ?? r.signal})`);
      });
      this.waiters.push(waiter);
    });
  }

  waitForMessage(pattern: RegExp, timeoutMs: number): Promise<LogLine> {
    return this.waitFor((l) => pattern.test(String(l.msg)), timeoutMs, `a line matching ${pattern}`);
  }

  ready(timeoutMs: number): Promise<LogLine> {
    return this.waitForMessage(/^all services ready/, timeoutMs);
  }

  /** Sends `signal` and waits (bounded) for the exit; SIGKILLs on timeout and says so. */
  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<{ exitCode: number | undefined; signal: string | undefined; ms: number }> {
    const started = Date.now();
    if (this.running) this.child.kill(signal);
    const timeout = new Promise<'timeout'>((resolve) => { const t = setTimeout(() => resolve('timeout'), timeoutMs); void this.child.then(() => clearTimeout(t)); });
    if ((await Promise.race([this.child, timeout])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.child;
      throw new Error(`${this.host.name}: rolevisor did not exit within ${timeoutMs} ms of ${signal}; killed; last lines:\n${this.tail()}`);
    }
    const result = await this.child;
    return { exitCode: result.exitCode, signal: result.signal, ms: Date.now() - started };
  }

  tail(n = 40): string {
    return [...this.lines.slice(-n).map((l) => `${l.level} ${l.service ?? l.component ?? ''} ${l.msg}`), ...this.stderr.slice(-10)].join('\n');
  }
}
