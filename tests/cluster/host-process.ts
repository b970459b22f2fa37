// `rolevisor run` inside one host's network namespace, from the TypeScript sources through
// tsx as tests/helpers/rolevisor-process.ts does, collecting its JSON log lines. `ip netns
// exec` execs node, so the child's pid is rolevisor's own and signals reach it directly.
import { execa, type ResultPromise } from 'execa';
import { LogLineCollector, type LogLine } from '../helpers/log-lines.js';
import { BASE_ENV, CLI } from '../helpers/rolevisor-process.js';
import { inNetns, type NetnsHost } from './netns.js';

export class HostProcess extends LogLineCollector {
  readonly child: ResultPromise;
  readonly startedAt = Date.now();

  constructor(
    readonly host: NetnsHost,
    env: Record<string, string>,
    args: string[] = ['run'],
  ) {
    const [file, argv] = inNetns(host.netns, process.execPath, ['--import', 'tsx', '--', CLI, ...args]);
    super();
    this.child = execa(file, argv, {
      env: { ...BASE_ENV, ...env },
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      forceKillAfterDelay: false,
    });
    this.collect(
      host.name,
      this.child.stdout!,
      this.child.stderr!,
      this.child.then((r) => `code ${r.exitCode ?? r.signal}`),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  ready(timeoutMs: number): Promise<LogLine> {
    return this.waitForMessage(/^all services ready/, timeoutMs);
  }

  /** Sends `signal` and waits (bounded) for the exit; SIGKILLs on timeout and says so. */
  async stop(
    signal: NodeJS.Signals,
    timeoutMs: number,
  ): Promise<{ exitCode: number | undefined; signal: string | undefined; ms: number }> {
    const started = Date.now();
    if (this.running) this.child.kill(signal);
    const timeout = new Promise<'timeout'>((resolve) => {
      const t = setTimeout(() => resolve('timeout'), timeoutMs);
      void this.child.then(() => clearTimeout(t));
    });
    if ((await Promise.race([this.child, timeout])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.child;
      throw new Error(
        `${this.host.name}: rolevisor did not exit within ${timeoutMs} ms of ${signal}; killed; last lines:\n${this.tail()}`,
      );
    }
    const result = await this.child;
    return { exitCode: result.exitCode, signal: result.signal, ms: Date.now() - started };
  }
}
