// Running a command as PID 1 of a new PID namespace, as `docker run` would, without Docker:
// `unshare --pid --fork --mount-proc COMMAND`. From the host we find the namespace's init
// (the child of unshare), the namespace itself (the inode of /proc/PID/ns/pid) and every
// process in it, with its state (Z = zombie) and its PID inside the namespace (NSpid).
import { execa, type ResultPromise } from 'execa';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { LogLineCollector } from '../helpers/log-lines.js';

export interface NsProcess {
  /** PID on the host. */
  pid: number;
  /** PID inside the namespace (the last NSpid field). */
  nspid: number;
  /** Parent's PID on the host. */
  ppid: number;
  /** R, S, D, Z, ... */
  state: string;
  name: string;
  cmdline: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** "pid:[4026532841]": the namespace a process is in, or undefined if it is gone. */
export async function pidNamespaceOf(pid: number): Promise<string | undefined> {
  return readlink(`/proc/${pid}/ns/pid`).catch(() => undefined);
}

async function describe(pid: number): Promise<NsProcess | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    return {
      pid,
      nspid: Number(field('NSpid').split(/\s+/).at(-1)),
      ppid: Number(field('PPid')),
      state: field('State').charAt(0),
      name: field('Name'),
      cmdline,
    };
  } catch {
    return undefined; // exited while we looked
  }
}

/** Every process (seen from the host) whose PID namespace is `namespace`. */
export async function processesIn(namespace: string): Promise<NsProcess[]> {
  const found: NsProcess[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if ((await pidNamespaceOf(pid)) !== namespace) continue;
    const p = await describe(pid);
    if (p) found.push(p);
  }
  return found;
}

/** Polls `check` until it returns a value other than undefined, or throws after `ms`. */
export async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

export interface Exit {
  exitCode: number | undefined;
  signal: string | undefined;
  /** Date.now() when the exit was seen. */
  at: number;
}

/** A command running as PID 1 of its own PID namespace, with its JSON log lines collected. */
export class NamespacedProcess extends LogLineCollector {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  private constructor(
    readonly unshare: ResultPromise,
    readonly init: number,
    readonly namespace: string,
  ) {
    super();
    this.exited = unshare.then((r) => (this.exit = { exitCode: r.exitCode, signal: r.signal, at: Date.now() }));
    this.collect(
      'the container',
      unshare.stdout!,
      unshare.stderr!,
      this.exited.then((e) => `code ${e.exitCode ?? e.signal}`),
    );
  }

  /** Starts `argv` as PID 1 of a new PID namespace (with its own /proc) and an explicit env. */
  static async start(argv: string[], env: Record<string, string>): Promise<NamespacedProcess> {
    const unshare = execa('unshare', ['--pid', '--fork', '--mount-proc', '--', ...argv], {
      env,
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      forceKillAfterDelay: false,
    });
    const failed = unshare.then((r) => {
      throw new Error(`unshare exited (${r.exitCode ?? r.signal}) before its child ran`);
    });
    failed.catch(() => undefined); // a later, normal exit is not an error
    // unshare forks the namespace's init: its only child; it becomes argv[0] when it execs.
    const init = await Promise.race([
      failed,
      eventually('the namespace init', 10_000, async () => {
        for (const entry of await readdir('/proc')) {
          if (!/^\d+$/.test(entry)) continue;
          const p = await describe(Number(entry));
          if (p && p.ppid === unshare.pid && p.nspid === 1 && p.cmdline[0] === argv[0]) return p.pid;
        }
        return undefined;
      }),
    ]);
    const namespace = await pidNamespaceOf(init);
    if (!namespace) throw new Error('the namespace init exited at once');
    return new NamespacedProcess(unshare, init, namespace);
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.init, signal);
  }

  processes(): Promise<NsProcess[]> {
    return processesIn(this.namespace);
  }

  async zombies(): Promise<NsProcess[]> {
    return (await this.processes()).filter((p) => p.state === 'Z');
  }

  /** Runs a command inside the namespace (PID and mount: its /proc), as `docker exec` would. */
  exec(argv: string[], env: Record<string, string>) {
    return execa('nsenter', ['--target', String(this.init), '--pid', '--mount', '--', ...argv], {
      env,
      extendEnv: false,
      reject: false,
    });
  }

  /** Kills the whole namespace (SIGKILL to its init: the kernel kills the rest) and waits. */
  async kill(): Promise<Exit> {
    if (this.running) {
      try {
        process.kill(this.init, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, 10_000, undefined);
    });
    const exit = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (exit) return exit;
    this.unshare.kill('SIGKILL');
    return this.exited;
  }
}
