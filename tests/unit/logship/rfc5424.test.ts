import { formatRfc5424, headerField, messageBody, SEVERITY } from '../../../src/logship/rfc5424.js';

describe('formatRfc5424', () => {
  const time = new Date('2024-05-06T07:08:09.123Z');

  test('builds PRI from facility user and the level, nil MSGID and SD, one newline', () => {
    const line = formatRfc5424({ hostname: 'web-1', appName: 'uwsgi', level: 'error', message: 'boom', time });
    expect(line).toBe('<11>1 2024-05-06T07:08:09.123Z web-1 uwsgi - - - boom\n');
  });

  test.each([
    ['debug', 15],
    ['info', 14],
    ['warn', 12],
    ['error', 11],
    ['fatal', 10],
  ] as const)('%s → PRI %d', (level, pri) => {
    expect(formatRfc5424({ hostname: 'h', appName: 'a', level, message: 'm', time }).startsWith(`<${pri}>1 `)).toBe(
      true,
    );
  });

  test('an unknown level (from untyped callers) is sent as info', () => {
    expect(formatRfc5424({ hostname: 'h', appName: 'a', level: 'verbose' as never, message: 'm', time })).toMatch(
      /^<14>1 /,
    );
  });

  test('a multi-line message stays one frame', () => {
    const line = formatRfc5424({ hostname: 'h', appName: 'a', level: 'info', message: 'one\ntwo\r\nthree\0', time });
    expect(line).toBe('<14>1 2024-05-06T07:08:09.123Z h a - - - one\\ntwo\\nthree\n');
    expect(line.indexOf('\n')).toBe(line.length - 1);
  });

  test('header fields carry no spaces or non-ASCII, are cut to length, and are "-" when empty', () => {
    expect(headerField('my host', 255)).toBe('my_host');
    expect(headerField('hôte', 255)).toBe('h_te');
    expect(headerField('', 48)).toBe('-');
    expect(headerField('x'.repeat(60), 48)).toHaveLength(48);
    const line = formatRfc5424({ hostname: '', appName: 'p'.repeat(100), level: 'info', message: 'm', time });
    expect(line).toBe(`<14>1 2024-05-06T07:08:09.123Z - ${'p'.repeat(48)} - - - m\n`);
  });

  test('long bodies are cut on a UTF-8 character boundary', () => {
    const body = messageBody('é'.repeat(100), 51);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(51);
    expect(body.endsWith('…[cut]')).toBe(true);
    expect(body).not.toContain('\uFFFD');
    expect(messageBody('short', 51)).toBe('short');
  });

  test('severity table follows RFC 5424', () => {
    expect(SEVERITY).toEqual({ debug: 7, info: 6, warn: 4, error: 3, fatal: 2 });
  });
});
