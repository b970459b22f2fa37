// One supervised program: spawn (as its user, in its own process group, with an explicit
// environment), probe until ready, restart with backoff on unexpected exit, stop with its
// own signal and a timeout. The only place in rolevisor that spawns a service.
import { execa, type ResultPromise } from 'execa';
import { catalogError, isRolevisorError } from '../errors.js';
import type { Logger } from '../log.js';
import { redact } from '../log.js';
import type { PlannedService } from '../roles/plan.js';
import type { Service } from '../services/types.js';
import type { Identity } from '../util/identity.js';
import { backoffDelay, DEFAULT_BACKOFF, FailureWindow, type BackoffOptions } from '../util/backoff.js';
import { groupLines } from './events.js';
import { readLines, type LineLevel } from './lines.js';
import { waitUntilReady } from './probe.js';

export type ChildState = 'idle' | 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped' | 'failed';

export interface ChildStatus {
  name: string;
  role: string;
  state: ChildState;
  pid: number | undefined;
  startedAt: number | undefined;
  readyAt: number | undefined;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: number } | undefined;
  critical: boolean;
}

export interface ChildHooks {
  /** A critical service exceeded its restart limit: the container must stop. */
  onFatal(child: Child, reason: string): void;
  /** Every output line of the program (after redaction), e.g. for log forwarding. */
  onLine?(child: Child, level: LineLevel, line: string): void;
  onState?(child: Child, state: ChildState): void;
  /**
   * Runs after the service's own afterReady and before it counts as ready, so services that
   * depend on it wait for it too (the restore of PostgreSQL from the store). Also after restarts.
   */
  afterReady?(child: Child): Promise<void>;
}

export class Child {
  readonly name: string;
  private state: ChildState = 'idle';
  private process: ResultPromise | undefined;
  private exited: Promise<void> = Promise.resolve();
  private startedAt: number | undefined;
  private readyAt: number | undefined;
  private restarts = 0;
  private attempt = 0;
  private lastExit: ChildStatus['lastExit'];
  private readonly failures: FailureWindow;
  private restartTimer: NodeJS.Timeout | undefined;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private probeAbort: AbortController | undefined;

  constructor(
    readonly plan: PlannedService,
    readonly service: Service,
    private readonly identity: Identity | undefined,
    private readonly log: Logger,
    private readonly hooks: ChildHooks,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.name = plan.name;
    this.failures = new FailureWindow(plan.restart_limit, plan.restart_window * 1000);
  }

  status(): ChildStatus {
    return {
      name: this.name,
      role: this.plan.role,
      state: this.state,
      pid: this.process?.pid,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      restarts: this.restarts,
      lastExit: this.lastExit,
      critical: this.plan.critical,
    };
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Resolves the first time the service is ready; rejects if it fails or is stopped first. */
  whenReady(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Starts the program and waits for its first readiness (or throws after ready_timeout). */
  async start(): Promise<void> {
    const preparing = Date.now();
    try {
      await this.service.prepare();
    } catch (error) {
      if (isRolevisorError(error)) throw error;
      throw catalogError(
        'RV_PREPARE_FAILED',
        'step',
        { service: this.name, reason: redact((error as Error).message) },
        { cause: error },
      );
    }
    this.log.debug({ prepareMs: Date.now() - preparing }, `${this.name} prepared`);
    this.spawn();
    await this.awaitReadiness();
  }

  private setState(state: ChildState): void {
    this.state = state;
    this.hooks.onState?.(this, state);
  }

  private spawn(): void {
    const launch = this.service.launch();
    this.setState('starting');
    this.startedAt = Date.now();
    this.readyAt = undefined;
    const child = execa(launch.file, launch.args, {
      env: launch.env,
      extendEnv: false,
      cwd: launch.cwd,
      uid: this.identity?.uid,
      gid: this.identity?.gid,
      // Its own process group: a terminal's Ctrl-C reaches rolevisor only, so services
      // stop in our order (after the backup), not all at once.
      detached: true,
      stdin: 'ignore',
      buffer: false,
      reject: false,
      cleanup: false,
    });
    this.process = child;
    this.log.info({ pid: child.pid, command: launch.file, args: launch.args.map(redact) }, `started ${this.name}`);
    // One event per message: multi-line reports and tracebacks are grouped (events.ts).
    const emit = (message: string, level: LineLevel) => {
      const text = redact(message);
      level = this.service.levelOf?.(text, level) ?? level;
      this.log[level === 'fatal' ? 'error' : level]({ stream: 'child' }, text);
      this.service.onLine?.(text);
      this.hooks.onLine?.(this, level, text);
    };
    for (const stream of [child.stdout, child.stderr]) {
      const events = groupLines(emit);
      readLines(stream, (line) => events.push(line));
      stream?.once('close', () => events.flush());
    }
    this.exited = child.then(
      (result) => this.onExit(child, result.exitCode ?? null, result.signal ?? null),
      () => undefined,
    );
  }

  private async awaitReadiness(): Promise<void> {
    const abort = new AbortController();
    this.probeAbort = abort;
    const exited = this.exited.then(() => 'exited' as const);
    try {
      const outcome = await waitUntilReady({
        name: this.name,
        probe: (signal) => this.service.probe(signal),
        timeoutMs: this.plan.ready_timeout * 1000,
        exited,
        abort: abort.signal,
        log: this.log,
      });
      if (outcome !== 'ready') return;
      await this.service.afterReady?.();
      await this.hooks.afterReady?.(this);
      if (this.state !== 'starting') return;
      this.readyAt = Date.now();
      this.attempt = 0;
      this.setState('ready');
      this.log.info({ readyMs: this.readyAt - (this.startedAt ?? this.readyAt) }, `${this.name} is ready`);
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    } finally {
      if (this.probeAbort === abort) this.probeAbort = undefined;
    }
  }

  private onExit(child: ResultPromise, code: number | null, signal: string | null): void {
    if (child !== this.process) return;
    this.lastExit = { code, signal, at: Date.now() };
    this.process = undefined;
    this.probeAbort?.abort();
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const now = Date.now();
    this.failures.record(now);
    this.log.warn(
      { code, signal, restarts: this.restarts },
      `${this.name} exited unexpectedly (${signal ?? `code ${code}`})`,
    );
    if (this.failures.exceeded(now)) {
      const reason = `${this.name} exited ${this.failures.count(now)} times within ${this.plan.restart_window} s (limit ${this.plan.restart_limit})`;
      this.setState('failed');
      for (const waiter of this.readyWaiters.splice(0)) waiter.reject(new Error(reason));
      if (this.plan.critical) this.hooks.onFatal(this, reason);
      else this.log.error(`${reason}; it stays down (not critical)`);
      return;
    }
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.setState('backoff');
    this.log.info({ delayMs: delay }, `restarting ${this.name} in ${(delay / 1000).toFixed(1)} s`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== 'backoff') return;
      this.restarts++;
      try {
        this.spawn();
      } catch (error) {
        this.log.error({ err: error }, `could not restart ${this.name}`);
        this.onExit(this.process as ResultPromise, null, null);
        return;
      }
      this.awaitReadiness().catch((error: unknown) => {
        this.log.error(`${this.name} did not become ready after a restart: ${(error as Error).message}`);
        this.process?.kill('SIGKILL');
      });
    }, delay);
  }

  /** Stops the program: its stop signal, then SIGKILL to its process group after timeoutMs. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.probeAbort?.abort();
    const child = this.process;
    const wasState = this.state;
    this.setState('stopping');
    for (const waiter of this.readyWaiters.splice(0))
      waiter.reject(new Error(`${this.name} was stopped before it was ready`));
    if (!child || child.pid === undefined) {
      this.setState('stopped');
      return;
    }
    const started = Date.now();
    try {
      if (wasState === 'ready') await withTimeout(this.service.beforeStop?.(), Math.min(2000, timeoutMs / 4));
    } catch (error) {
      this.log.warn(`before stopping ${this.name}: ${(error as Error).message}`);
    }
    this.signalGroup(child.pid, this.service.stopSignal);
    const done = await withTimeout(
      this.exited.then(() => true),
      Math.max(0, timeoutMs - (Date.now() - started)),
    );
    if (done !== true) {
      this.log.warn(
        `${this.name} did not stop within ${(timeoutMs / 1000).toFixed(1)} s of ${this.service.stopSignal}; killing it`,
      );
      this.signalGroup(child.pid, 'SIGKILL');
      await withTimeout(this.exited, 5000);
    }
    // Anything the program left in its group (workers, helpers) goes with it.
    this.signalGroup(child.pid, 'SIGKILL', true);
    this.setState('stopped');
    this.log.info(
      { stopMs: Date.now() - started, code: this.lastExit?.code, signal: this.lastExit?.signal },
      `${this.name} stopped`,
    );
  }

  private signalGroup(pid: number, signal: NodeJS.Signals, quiet = false): void {
    try {
      process.kill(-pid, signal);
    } catch (error) {
      if (!quiet && (error as NodeJS.ErrnoException).code !== 'ESRCH')
        this.log.warn(`could not send ${signal} to ${this.name}: ${(error as Error).message}`);
    }
  }
}

async function withTimeout<T>(promise: Promise<T> | undefined, ms: number): Promise<T | 'timeout'> {
  if (!promise) return 'timeout' as const;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
