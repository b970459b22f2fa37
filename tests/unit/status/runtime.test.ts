// What the instance knows about itself: ready only while running with every service ready;
// failed backups counted; the snapshot `rolevisor status` and the status server show.
import { describe, expect, it } from '@jest/globals';
import { RuntimeState } from '../../../src/status/runtime.js';

describe('RuntimeState', () => {
  it('is ready only while running and every service is ready', () => {
    const state = new RuntimeState(['sql'], 'S3 bucket b', '1.0.0');
    state.allReady = () => true;
    expect(state.ready()).toBe(false); // booting
    state.phase = 'running';
    expect(state.ready()).toBe(true);
    state.allReady = () => false;
    expect(state.ready()).toBe(false);
    state.allReady = () => true;
    state.phase = 'stopping';
    expect(state.ready()).toBe(false);
  });

  it('counts failed backups and keeps the last one', () => {
    const state = new RuntimeState([], 'x', '1');
    state.recordBackup({ trigger: 'schedule', startedAt: 1, durationMs: 1, bytes: 0, ok: false, error: 'e' });
    state.recordBackup({ trigger: 'manual', startedAt: 2, durationMs: 1, bytes: 5, ok: true });
    const snapshot = state.snapshot();
    expect(snapshot.backupFailures).toBe(1);
    expect(snapshot.lastBackup).toMatchObject({ trigger: 'manual', ok: true });
    expect(snapshot).toMatchObject({ pid: process.pid, roles: [], store: 'x', version: '1', services: [] });
  });
});
