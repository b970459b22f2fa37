import { RolevisorError } from '../../../src/errors.js';
import { parseManifest, partNameProblem, serializeManifest, type Manifest } from '../../../src/generations/manifest.js';

const id = '20261123T152107.123Z-ab12';
const good: Manifest = {
  format: 1,
  id,
  time: '2026-11-23T15:21:07.123Z',
  host: 'backend-1',
  roles: ['sql'],
  versions: { postgres: '15.8' },
  parts: [
    {
      name: 'postgres.dump',
      key: `generations/${id}/postgres.dump`,
      size: 10,
      sha256: 'a'.repeat(64),
      compression: 'zstd',
      kind: 'postgres',
    },
  ],
  durationMs: 1234,
};

describe('manifest', () => {
  test('round-trips through its JSON text', () => {
    expect(parseManifest(serializeManifest(good), id)).toEqual(good);
  });

  test.each([
    ['not JSON', '{', /not JSON/],
    ['another format', JSON.stringify({ ...good, format: 3 }), /format: /],
    ['a bad sha256', JSON.stringify({ ...good, parts: [{ ...good.parts[0], sha256: 'xyz' }] }), /parts\.0\.sha256/],
    [
      'another generation',
      JSON.stringify({ ...good, id: '20261123T152107.123Z-ffff' }),
      /it names generation 20261123T152107\.123Z-ffff/,
    ],
    [
      'a part elsewhere',
      JSON.stringify({ ...good, parts: [{ ...good.parts[0], key: 'config.yml' }] }),
      /points outside its generation/,
    ],
    ['a part listed twice', JSON.stringify({ ...good, parts: [good.parts[0], good.parts[0]] }), /listed twice/],
    [
      'a bad part name',
      JSON.stringify({ ...good, parts: [{ ...good.parts[0], name: '../x', key: `generations/${id}/../x` }] }),
      /part name "\.\.\/x"/,
    ],
  ])('refuses %s with RV_RESTORE_FAILED naming the generation', (_what, text, reason) => {
    expect(() => parseManifest(text, id)).toThrow(reason);
    try {
      parseManifest(text, id);
    } catch (error) {
      expect(error).toBeInstanceOf(RolevisorError);
      expect((error as RolevisorError).code).toBe('RV_RESTORE_FAILED');
      expect((error as Error).message).toMatch(new RegExp(`^generation ${id}: manifest.json is not valid: `));
    }
  });

  test('part names are one safe segment and not the manifest', () => {
    expect(partNameProblem('redis.rdb')).toBeUndefined();
    expect(partNameProblem('manifest.json')).toMatch(/own manifest/);
    for (const name of ['', '.hidden', 'a/b', 'a b', 'x'.repeat(101)])
      expect(partNameProblem(name)).toMatch(/use 1-100 letters/);
  });
});
