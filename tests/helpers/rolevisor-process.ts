// Runs `rolevisor` as a real process (from the TypeScript sources through tsx), collecting
// its JSON log lines, for end-to-end tests.
import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { LogLineCollector, type LogLine } from './log-lines.js';

export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
export const BASE_ENV: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };

export type { LogLine };

export class RolevisorProcess extends LogLineCollector {
  readonly child: ResultPromise;

  /** `nodeArgs` go to node before the script (e.g. a module-recording --import). */
  constructor(args: string[], env: Record<string, string>, nodeArgs: string[] = []) {
    super();
    this.child = execa(process.execPath, ['--import', 'tsx', ...nodeArgs, '--', CLI, ...args], {
      env: { ...BASE_ENV, ...env },
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      // A stop (backup first) may take longer than execa's default 5 s before its SIGKILL.
      forceKillAfterDelay: false,
    });
    this.collect(
      'rolevisor',
      this.child.stdout!,
      this.child.stderr!,
      this.child.then((r) => `code ${r.exitCode ?? r.signal}`),
    );
  }

  get pid(): number {
    return this.child.pid!;
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
}

export function runCli(args: string[], env: Record<string, string>) {
  return execa(process.execPath, ['--import', 'tsx', '--', CLI, ...args], {
    env: { ...BASE_ENV, ...env },
    extendEnv: false,
    reject: false,
  });
}
