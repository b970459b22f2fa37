import { parseLogServer } from '../../../src/logship/address.js';

describe('parseLogServer', () => {
  test.each([
    ['log.internal', { host: 'log.internal', port: 514 }],
    ['log.internal:1514', { host: 'log.internal', port: 1514 }],
    ['10.0.0.5', { host: '10.0.0.5', port: 514 }],
    ['[fd00::1]:600', { host: 'fd00::1', port: 600 }],
    ['[fd00::1]', { host: 'fd00::1', port: 514 }],
    ['fd00::1', { host: 'fd00::1', port: 514 }],
    ['  log  ', { host: 'log', port: 514 }],
  ])('%s', (value, expected) => {
    expect(parseLogServer(value, 514)).toEqual(expected);
  });

  test.each(['', ':514', 'log:0', 'log:70000', 'log:abc', 'http://log', 'a b'])(
    'refuses %j, naming LOGSERVER',
    (value) => {
      expect(() => parseLogServer(value, 514)).toThrow(/LOGSERVER must be host or host:port/);
    },
  );
});
