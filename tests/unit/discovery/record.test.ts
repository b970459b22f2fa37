// Discovery records: what is accepted as one, and when it is fresh.
import { isFresh, parseRecord, recordAgeMs, type DiscoveryRecord } from '../../../src/discovery/record.js';

const record: DiscoveryRecord = {
  service: 'sql',
  address: '10.0.0.5',
  port: 5432,
  host: 'backend-1',
  roles: ['sql', 'redis'],
  updatedAt: '2026-01-01T00:00:00.000Z',
  ttlSeconds: 60,
  instance: 'abc',
};
const t0 = Date.parse(record.updatedAt);

test('a record round-trips through JSON', () => {
  expect(parseRecord(JSON.stringify(record), 'sql')).toEqual(record);
});

test('records that are not JSON, miss fields, or name another service are refused with the reason', () => {
  expect(parseRecord('{"service":', 'sql')).toEqual({ invalid: 'not JSON' });
  expect(parseRecord(JSON.stringify({ ...record, port: 0 }), 'sql')).toMatchObject({
    invalid: expect.stringMatching(/^port: /),
  });
  expect(parseRecord(JSON.stringify({ ...record, address: 'a b' }), 'sql')).toMatchObject({
    invalid: expect.stringMatching(/^address: /),
  });
  const { instance: _omitted, ...noInstance } = record;
  expect(parseRecord(JSON.stringify(noInstance), 'sql')).toMatchObject({
    invalid: expect.stringMatching(/^instance: /),
  });
  expect(parseRecord(JSON.stringify(record), 'redis')).toEqual({ invalid: 'it names service "sql"' });
});

test('fresh until updatedAt + ttl, stale from then on', () => {
  expect(isFresh(record, t0)).toBe(true);
  expect(isFresh(record, t0 + 59_999)).toBe(true);
  expect(isFresh(record, t0 + 60_000)).toBe(false);
  expect(recordAgeMs(record, t0 + 90_000)).toBe(90_000);
  // A publisher whose clock runs ahead: still fresh, with a negative age.
  expect(isFresh(record, t0 - 5000)).toBe(true);
});
