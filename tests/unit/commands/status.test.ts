// `rolevisor status` as a table: durations people read, every service, the backups.
import { describe, expect, it } from '@jest/globals';
import { duration, formatStatus } from '../../../src/commands/status.js';
import type { StatusSnapshot } from '../../../src/status/runtime.js';

describe('duration', () => {
  it('is seconds, then minutes, hours and days with their next unit', () => {
    expect([0, 59_400, 61_000, 3_599_000, 3_660_000, 90_061_000, -5].map(duration)).toEqual([
      '0s',
      '59s',
      '1m01s',
      '59m59s',
      '1h01m',
      '1d01h',
      '0s',
    ]);
  });
});

describe('formatStatus', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  const snapshot: StatusSnapshot = {
    pid: 7,
    version: '0.1.0',
    roles: ['sql', 'redis'],
    phase: 'running',
    startedAt: now - 3_600_000,
    ready: true,
    waitingFor: undefined,
    continuous: [],
    store: 'the local directory /b',
    services: [
      { name: 'postgres', role: 'sql', state: 'ready', pid: 11, startedAt: now - 60_000, restarts: 0 },
      {
        name: 'redis',
        role: 'redis',
        state: 'backoff',
        restarts: 2,
        lastExit: { code: null, signal: 'SIGKILL', at: now - 5000 },
      },
    ] as unknown as StatusSnapshot['services'],
    lastBackup: { trigger: 'stop', startedAt: now - 120_000, durationMs: 1500, bytes: 10, ok: true, generation: 'G' },
    nextBackupAt: undefined,
    backupFailures: 0,
    storeErrors: 0,
  };

  it('a header, the backups and one row per service', () => {
    const text = formatStatus(snapshot, now);
    const lines = text.split('\n');
    expect(lines[0]).toBe('rolevisor 0.1.0, pid 7, running, ready, up 1h00m');
    expect(text).toContain('roles:       sql, redis\n');
    expect(text).toContain('last backup: ok 2026-01-01T11:58:00.000Z (2m00s ago, stop, 1.5 s, 10 bytes, generation G)');
    expect(text).toContain('next backup: not scheduled');
    expect(lines.find((l) => l.startsWith('postgres'))).toMatch(/^postgres\s+sql\s+ready\s+11\s+1m00s\s+0\s+-$/);
    expect(lines.find((l) => l.startsWith('redis'))).toMatch(/^redis\s+redis\s+backoff\s+-\s+-\s+2\s+SIGKILL, 5s ago$/);
  });

  it('one line per continuous engine: its lag, the last object shipped, and a failure', () => {
    const text = formatStatus(
      {
        ...snapshot,
        continuous: [
          {
            engine: 'postgres-wal',
            lagSeconds: 42,
            lagBytes: 33554432,
            lastShipped: { name: '000000010000000000000007', at: now - 42_000 },
            error: 'connect ECONNREFUSED 127.0.0.1:9000',
          },
          { engine: 'redis', lagSeconds: 0, lagBytes: 0 },
        ],
      },
      now,
    );
    expect(text).toContain(
      'postgres-wal: lag 42 s, 33554432 bytes not yet in the store; last 000000010000000000000007 at 2026-01-01T11:59:18.000Z; FAILING: connect ECONNREFUSED 127.0.0.1:9000\n',
    );
    expect(text).toContain('redis:       lag 0 s, 0 bytes not yet in the store; last none yet\n');
  });

  it('says when there was no backup and when the instance is not ready', () => {
    const text = formatStatus({ ...snapshot, ready: false, lastBackup: undefined }, now);
    expect(text).toContain(', NOT ready,');
    expect(text).toContain('last backup: none since this instance started');
  });
});
