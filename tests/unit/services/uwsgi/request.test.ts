import { encodeUwsgiPacket, wsgiGetVars } from '../../../../src/services/uwsgi/request.js';

test('encodes the uwsgi header and little-endian length-prefixed vars', () => {
  const packet = encodeUwsgiPacket({ AB: 'c', K: '' });
  // vars: 02 00 'AB' 01 00 'c' | 01 00 'K' 00 00 → 7 + 5 = 12 bytes
  expect([...packet]).toEqual([0, 12, 0, 0, 2, 0, 0x41, 0x42, 1, 0, 0x63, 1, 0, 0x4b, 0, 0]);
});

test('splits the query string off the path', () => {
  expect(wsgiGetVars('/demo/?x=1')).toMatchObject({
    REQUEST_METHOD: 'GET',
    PATH_INFO: '/demo/',
    QUERY_STRING: 'x=1',
    REQUEST_URI: '/demo/?x=1',
  });
});

test('refuses vars larger than the 16-bit size field', () => {
  expect(() => encodeUwsgiPacket({ BIG: 'x'.repeat(70_000) })).toThrow(RangeError);
});
