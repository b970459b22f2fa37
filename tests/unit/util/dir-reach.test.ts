import { searchable } from '../../../src/util/dir-reach.js';

test('searchable: owner, group (the primary gid only) and other bits, root always', () => {
  const dir = { uid: 0, gid: 0 };
  const redis = { uid: 101, gid: 102 };
  expect(searchable(0o40700, dir, redis)).toBe(false);
  expect(searchable(0o40701, dir, redis)).toBe(true);
  expect(searchable(0o40750, { uid: 0, gid: 102 }, redis)).toBe(true);
  expect(searchable(0o40705, { uid: 0, gid: 102 }, redis)).toBe(false);
  expect(searchable(0o40600, { uid: 101, gid: 0 }, redis)).toBe(false);
  expect(searchable(0o40100, { uid: 101, gid: 0 }, redis)).toBe(true);
  expect(searchable(0o40000, dir, { uid: 0, gid: 0 })).toBe(true);
});
