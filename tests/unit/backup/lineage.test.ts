import { checkNotStale, type Lineage } from '../../../src/backup/lineage.js';
import type { Candidate } from '../../../src/backup/candidates.js';

const candidate = (id: string): Candidate => ({
  id,
  parts: [],
  summary: {
    id,
    manifest: { id, host: 'backend-2', time: '2026-11-23T10:00:00.000Z' },
  } as unknown as Candidate['summary'],
});
const at = '2026-11-23T09:00:00.000Z';
const G1 = '20261123T080000.000Z-aaaa';
const G2 = '20261123T090000.000Z-bbbb';
const G3 = '20261123T100000.000Z-cccc';

describe('checkNotStale', () => {
  const check = (lineage: Lineage | undefined, newest = candidate(G2)) =>
    checkNotStale('PostgreSQL', '/v/data/postgres', lineage, newest);

  test('data that is the newest generation, or newer, is kept', () => {
    expect(check({ generation: G2, at })).toMatch(/newest in the store/);
    expect(check({ generation: G3, at })).toMatch(/newest in the store/);
    // Our own backup was being committed when the container died.
    expect(check({ generation: G1, pending: G2, at })).toMatch(/newest in the store/);
    // Restored from G1 because G2 proved damaged.
    expect(check({ generation: G1, considered: G2, at })).toMatch(/newest in the store/);
  });

  test('nothing to compare with: kept, and the reason is said', () => {
    expect(check(undefined)).toMatch(/^no record of which generation/);
    expect(checkNotStale('Redis', '/d', { generation: G1, at }, undefined)).toBe('the store holds no generation of it');
    expect(check({ generation: G1, chosen: true, at })).toMatch(/on purpose/);
  });

  test('older than the store: RV_LOCAL_DATA_STALE naming both generations, the host and the two ways out', () => {
    expect(() => check({ generation: G1, at }, candidate(G3))).toThrow(
      expect.objectContaining({
        code: 'RV_LOCAL_DATA_STALE',
        exitCode: 76,
        message: expect.stringMatching(
          new RegExp(
            `descends from generation ${G1}, but the store's newest generation ${G3} \\(host backend-2, .*Move /v/data/postgres away.*delete /v/data/postgres\\.lineage\\.json`,
          ),
        ),
      }),
    );
  });
});
