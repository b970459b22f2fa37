// The one object the container's phases share to know whether, and why, to stop.
import { describe, expect, it } from '@jest/globals';
import { RolevisorError } from '../../src/errors.js';
import { StopRequest } from '../../src/stop-request.js';

describe('StopRequest', () => {
  it('a signal aborts the boot waits, resolves `requested` and means a clean stop', async () => {
    const stop = new StopRequest();
    expect(stop.isRequested).toBe(false);
    stop.bySignal({ signal: 'SIGTERM', at: 1000 });
    await stop.requested;
    expect(stop.signal.aborted).toBe(true);
    // The wait the signal ended throws the abort reason: no failure.
    stop.absorb(stop.signal.reason);
    expect(stop.fatal).toBeUndefined();
    expect(stop.deadline(30, 1000)).toBe(1000 + 30_000 - 1000);
  });

  it('the first failure decides the exit code; other errors become RV_INTERNAL', async () => {
    const stop = new StopRequest();
    stop.byFailure(new RolevisorError('RV_SERVICE_FAILED', 'postgres failed'));
    stop.absorb(new Error('later'));
    await stop.requested;
    expect(stop.fatal?.code).toBe('RV_SERVICE_FAILED');
    expect(stop.signal.aborted).toBe(false);

    const other = new StopRequest();
    other.absorb(new Error('boom'));
    expect(other.fatal?.code).toBe('RV_INTERNAL');
    expect(other.fatal?.message).toBe('boom');
  });

  it('after a signal, an error that is not the abort is still a failure', () => {
    const stop = new StopRequest();
    stop.bySignal({ signal: 'SIGINT', at: Date.now() });
    stop.absorb(new RolevisorError('RV_STORE_UNREACHABLE', 'no store'));
    expect(stop.fatal?.code).toBe('RV_STORE_UNREACHABLE');
  });
});
