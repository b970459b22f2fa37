// Part names of database dumps: readable when the name is plain, a hash otherwise, always a
// name the manifest accepts, never two databases on one name.
import { postgresPartName } from '../../../../../src/backup/engines/postgres/part-names.js';
import { partNameProblem } from '../../../../../src/generations/manifest.js';

test('a plain database name stays readable', () => {
  expect(postgresPartName('docassemble')).toBe('postgres.docassemble.dump.zst');
  expect(postgresPartName('shop_db-2')).toBe('postgres.shop_db-2.dump.zst');
});

test('any other name becomes a hash that cannot collide with a plain one', () => {
  const names = ['shop db', 'a.b', 'ünïcödé', 'x'.repeat(63), 'a=b', '-leading', 'h'];
  const parts = names.map(postgresPartName);
  for (const part of parts) expect(partNameProblem(part)).toBeUndefined();
  expect(parts[0]).toMatch(/^postgres\.h\.[0-9a-f]{16}\.dump\.zst$/);
  expect(postgresPartName('x'.repeat(64))).toMatch(/^postgres\.h\./);
  expect(new Set(parts).size).toBe(parts.length);
  // "h" is plain; the hashed form always has a dot inside: no plain name can produce it.
  expect(postgresPartName('h')).toBe('postgres.h.dump.zst');
});
