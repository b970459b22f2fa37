import { generationTime, isGenerationId, newGenerationId } from '../../../src/generations/id.js';

describe('generation ids', () => {
  test('encode the UTC time, sort in time order and carry a random tail', () => {
    const id = newGenerationId(new Date('2026-11-23T15:21:07.123Z'));
    expect(id).toMatch(/^20261123T152107\.123Z-[0-9a-f]{4}$/);
    expect(generationTime(id)?.toISOString()).toBe('2026-11-23T15:21:07.123Z');
    const times = [
      '2026-01-02T00:00:00.000Z',
      '2026-11-23T09:59:59.999Z',
      '2026-11-23T10:00:00.000Z',
      '2027-01-01T00:00:00.001Z',
    ];
    const ids = times.map((t) => newGenerationId(new Date(t)));
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  test.each([
    '',
    'manifest.json',
    '20261123T152107Z-ab12',
    '20261123T152107.123Z',
    '20261123T152107.123Z-AB12',
    '20261399T152107.123Z-ab12',
  ])('%j is not a generation id', (id) => {
    expect(isGenerationId(id)).toBe(false);
  });
});
