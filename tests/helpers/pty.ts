// Runs a program with its stdin, stdout and stderr on a pseudo-terminal, as a person at a
// terminal runs it: python3's pty module (Debian's python3 is there for the services),
// argv passed as an array, never through a shell. The terminal's output (stdout and stderr
// together, "\r\n" line ends turned back into "\n", colours kept) is collected; the
// program's pid is known at once, to signal it.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';

const PTY_RUNNER = `
import os, sys, pty
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
sys.stderr.write(f'{pid}\\n')
sys.stderr.flush()
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:  # EIO: nothing holds the terminal open any more
        break
    if not data:
        break
    os.write(1, data)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
`;

export interface PtyRun {
  /** The program's own pid (not python's). */
  pid: Promise<number>;
  /** The terminal's output so far. */
  output(): string;
  /** Resolves when the program has exited, with its exit code (128+N for signal N). */
  exited: Promise<number | undefined>;
  /** Resolves when the output matches `pattern`; rejects after `timeoutMs` or when the program exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
}

/** ANSI escape sequences (pino-pretty's colours) out of a terminal's text. */
export const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex

export function runOnPty(argv: string[], env: Record<string, string>): PtyRun {
  const child: ResultPromise = execa('python3', ['-c', PTY_RUNNER, ...argv], {
    env,
    extendEnv: false,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    forceKillAfterDelay: false,
  });
  let text = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    text += chunk.replace(/\r\n/g, '\n');
  });
  const pid = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stderr! }).once('line', (line) => resolve(Number(line)));
    void child.then(() => reject(new Error('the pty runner exited before it started the program')));
  });
  const exited = child.then((r) => r.exitCode);
  return {
    pid,
    output: () => text,
    exited,
    waitFor: async (pattern, timeoutMs) => {
      const until = Date.now() + timeoutMs;
      let gone = false;
      void exited.then(() => (gone = true));
      for (;;) {
        if (pattern.test(stripAnsi(text))) return stripAnsi(text);
        if (gone || Date.now() > until)
          throw new Error(
            `no ${String(pattern)} on the terminal (${gone ? 'it exited' : 'timed out'}):\n${text.slice(-3000)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
