// `rolevisor generations` as a table: newest first as given, sizes people read, damage
// spelled out under the table, leftovers counted.
import { describe, expect, it } from '@jest/globals';
import { formatGenerations, type GenerationRow } from '../../../src/commands/generations.js';

const row = (id: string, verified: boolean, problems: string[] = []): GenerationRow => ({
  id,
  time: '2026-01-01T10:00:00.123Z',
  host: 'backend',
  roles: ['sql', 'redis'],
  bytes: 2048,
  parts: [
    { name: 'postgres.docassemble.dump.zst', size: 1024, kind: 'postgres' },
    { name: 'redis.rdb.zst', size: 1024, kind: 'redis' },
  ],
  check: 'sizes',
  verified,
  problems,
});

describe('formatGenerations', () => {
  it('one aligned row per generation, problems and leftovers below', () => {
    const text = formatGenerations([row('G2', true), row('G1', false, ['part "x" is missing'])], 1, 2);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME\s+HOST\s+SIZE\s+PARTS\s+VERIFIED$/);
    expect(lines[1]).toMatch(/^G2\s+2026-01-01T10:00:00Z\s+backend\s+\S+.*\s+2\s+sizes ok$/);
    expect(lines[2]).toMatch(/DAMAGED \(sizes\)$/);
    expect(lines[1]?.indexOf('backend')).toBe(lines[0]?.indexOf('HOST'));
    expect(lines).toContain('  G1: part "x" is missing');
    expect(text).toContain('1 interrupted backup(s) without a manifest');
    expect(text).toContain('2 generation(s) with an unusable manifest');
  });

  it('an empty store says so', () => {
    expect(formatGenerations([], 0, 0)).toContain('(no generations)');
  });
});
