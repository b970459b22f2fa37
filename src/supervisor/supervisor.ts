// The graph of children: start each service once the services it depends on are ready,
// stop in reverse dependency order inside one deadline, front services (web, workers)
// first so the backup sees no writers.
import { catalogError, RolevisorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Child, ChildStatus } from './child.js';

export type SupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface StopPlan {
  /** Absolute time (ms) by which every child must be gone. */
  deadline: number;
  /** Runs after the front services stopped and before the back services stop (the backup). */
  betweenPhases?: () => Promise<void>;
}

export class Supervisor {
  private state: SupervisorState = 'idle';
  private readonly byName: Map<string, Child>;

  constructor(
    readonly children: Child[],
    private readonly log: Logger,
  ) {
    this.byName = new Map(children.map((c) => [c.name, c]));
  }

  get current(): SupervisorState {
    return this.state;
  }

  status(): ChildStatus[] {
    return this.children.map((c) => c.status());
  }

  allReady(): boolean {
    return (
      this.state === 'running' &&
      this.children.every((c) => c.isReady || (!c.plan.critical && c.status().state === 'failed'))
    );
  }

  /**
   * Starts every child as soon as its dependencies are ready (independent ones in parallel).
   * Throws RV_SERVICE_NOT_READY / RV_SERVICE_FAILED when one never becomes ready.
   */
  async start(): Promise<void> {
    this.state = 'starting';
    const started = new Map<string, Promise<void>>();
    const startOne = (child: Child): Promise<void> => {
      let promise = started.get(child.name);
      if (promise) return promise;
      promise = (async () => {
        const known = (names: string[]) =>
          names.map((d) => this.byName.get(d)).filter((c): c is Child => c !== undefined);
        const alongside = known(child.plan.startsWith);
        const deps = known(child.plan.dependsOn).filter((d) => !alongside.includes(d));
        if (deps.length > 0) {
          this.log.info(`${child.name} waits for ${deps.map((d) => d.name).join(', ')}`);
          await Promise.all(deps.map((d) => startOne(d)));
        }
        if (this.state !== 'starting') return;
        if (alongside.length > 0)
          this.log.info(`${child.name} starts alongside ${alongside.map((d) => d.name).join(', ')}`);
        // Its dependents wait for its own readiness; the container's waits for every child.
        await child.start();
        await this.awaitFirstReady(child);
      })();
      started.set(child.name, promise);
      return promise;
    };
    const results = await Promise.allSettled(this.children.map((c) => startOne(c)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    if (this.state === 'starting') this.state = 'running';
  }

  /** The first start may have crashed and be restarting: wait for readiness within its timeout. */
  private async awaitFirstReady(child: Child): Promise<void> {
    if (child.isReady) return;
    const timeoutMs = child.plan.ready_timeout * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            catalogError('RV_SERVICE_NOT_READY', 'restarting', {
              service: child.name,
              readyTimeoutSec: child.plan.ready_timeout,
            }),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([child.whenReady(), timeout]);
    } catch (error) {
      if (error instanceof RolevisorError) throw error;
      if (this.state !== 'starting') return;
      throw catalogError('RV_SERVICE_FAILED', 'starting', { reason: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops everything before `deadline`: front services first, then `betweenPhases` (the
   * backup), then the rest — each child only after every child that depends on it.
   */
  async stop(plan: StopPlan): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    const front = this.children.filter((c) => c.plan.front);
    const back = this.children.filter((c) => !c.plan.front);
    await this.stopGroup(front, plan.deadline);
    if (plan.betweenPhases) {
      try {
        await plan.betweenPhases();
      } catch (error) {
        this.log.error(`between the stop phases: ${(error as Error).message}`);
      }
    }
    await this.stopGroup(back, plan.deadline);
    this.state = 'stopped';
  }

  /**
   * Restarts the named children (their config changed, e.g. the backend moved): they stop
   * dependents first, then start again in dependency order. Only while running; a stop
   * that begins meanwhile wins.
   */
  async restart(names: string[]): Promise<void> {
    if (this.state !== 'running') return;
    const group = this.children.filter((c) => names.includes(c.name));
    if (group.length === 0) return;
    this.log.info(`restarting ${group.map((c) => c.name).join(', ')}`);
    const longest = Math.max(...group.map((c) => c.plan.stop_timeout * 1000));
    await this.stopGroup(group, Date.now() + longest);
    for (const child of group) {
      if (this.state !== 'running') return;
      await child.start();
    }
  }

  private async stopGroup(group: Child[], deadline: number): Promise<void> {
    const inGroup = new Set(group.map((c) => c.name));
    const stopped = new Map<string, Promise<void>>();
    const stopOne = (child: Child): Promise<void> => {
      let promise = stopped.get(child.name);
      if (promise) return promise;
      promise = (async () => {
        // Services that depend on this one stop first.
        const dependents = group.filter((c) => c.plan.dependsOn.includes(child.name) && inGroup.has(c.name));
        await Promise.all(dependents.map(stopOne));
        const remaining = Math.max(500, deadline - Date.now());
        await child.stop(Math.min(child.plan.stop_timeout * 1000, remaining));
      })();
      stopped.set(child.name, promise);
      return promise;
    };
    await Promise.all(group.map(stopOne));
  }
}
