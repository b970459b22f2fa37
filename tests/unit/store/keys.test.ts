import { joinKey, validateKey, validatePrefix } from '../../../src/store/keys.js';

describe('store keys', () => {
  test.each([
    'config.yml',
    'generations/20261123T152107.123Z-ab12/manifest.json',
    'certs/a.b-c_d',
    'hostname-sql',
    'x/.hidden',
  ])('accepts %s', (key) => {
    expect(validateKey(key)).toBe(key);
  });

  test.each([
    ['', /it is empty/],
    ['..', /a "\.\." segment/],
    ['a/../../etc/passwd', /a "\.\." segment/],
    ['./a', /a "\." segment/],
    ['/etc/passwd', /it is absolute/],
    ['a\\..\\b', /backslash/],
    ['a\0b', /NUL byte/],
    ['a\nb', /control character/],
    ['a//b', /empty segment/],
    ['a/', /empty segment/],
    ['a/b.rv-tmp-12', /reserved for temporary files/],
    ['x'.repeat(201), /longer than 200 bytes/],
    [`${'a/'.repeat(600)}b`, /longer than 1024 bytes/],
  ])('refuses %j', (key, reason) => {
    expect(() => validateKey(key)).toThrow(reason);
    expect(() => validateKey(key)).toThrow(/^store key .* is refused: /);
  });

  test('prefixes may be empty, end in "/", or be partial', () => {
    for (const prefix of ['', 'generations/', 'generations/2026', 'a/b/']) expect(validatePrefix(prefix)).toBe(prefix);
    for (const prefix of ['/', '../', 'a/../', 'a//', '\\'])
      expect(() => validatePrefix(prefix)).toThrow(/store prefix .* is refused/);
  });

  test('joinKey validates the joined key', () => {
    expect(joinKey('generations', 'id', 'part')).toBe('generations/id/part');
    expect(() => joinKey('generations', '..', 'x')).toThrow(/"\.\." segment/);
  });
});
