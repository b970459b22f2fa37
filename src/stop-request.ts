// Why the container stops, shared by the phases of its life (container.ts): a signal (a
// clean stop, exit 0) or a failure (its exit code), whichever came first. A signal also
// aborts `signal`, which ends the boot's waits (store retries, discovery) at once.
import { catalogError, isRolevisorError, RolevisorError } from './errors.js';
import type { ShutdownRequest } from './supervisor/signals.js';

export class StopRequest {
  #shutdown: ShutdownRequest | undefined;
  #fatal: RolevisorError | undefined;
  readonly #abort = new AbortController();
  #wake: () => void = () => undefined;
  /** Resolves once a stop is requested, by a signal or a failure. */
  readonly requested = new Promise<void>((resolve) => {
    this.#wake = resolve;
  });

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get shutdown(): ShutdownRequest | undefined {
    return this.#shutdown;
  }

  get fatal(): RolevisorError | undefined {
    return this.#fatal;
  }

  get isRequested(): boolean {
    return this.#shutdown !== undefined || this.#fatal !== undefined;
  }

  bySignal(request: ShutdownRequest): void {
    this.#shutdown = request;
    this.#abort.abort(new Error('stopped by a signal during boot'));
    this.#wake();
  }

  /** The first failure decides the exit code. */
  byFailure(error: RolevisorError): void {
    this.#fatal ??= error;
    this.#wake();
  }

  /** An error out of a phase: a wait that the signal ended is a clean stop, anything else a failure. */
  absorb(error: unknown): void {
    if (this.#shutdown && error === this.#abort.signal.reason) return;
    this.byFailure(
      isRolevisorError(error)
        ? error
        : catalogError('RV_INTERNAL', 'unexpected', { reason: (error as Error).message }, { cause: error }),
    );
  }

  /** When everything must have stopped: STOPTIMEOUT after the signal (or now), less a margin. */
  deadline(stopTimeoutSec: number, marginMs: number): number {
    return (this.#shutdown?.at ?? Date.now()) + stopTimeoutSec * 1000 - marginMs;
  }
}
