import { createLogger } from '../../../src/log.js';
import { forwardingStream, pinoLevel, pinoMessage } from '../../../src/logship/pino-stream.js';
import type { LogLevel } from '../../../src/logship/rfc5424.js';

describe('forwardingStream', () => {
  test("forwards log lines with their level, a service's under its own program name, and passes them on", () => {
    const sent: [string, LogLevel, string][] = [];
    const passed: string[] = [];
    const stream = forwardingStream({ send: (p, l, m) => sent.push([p, l, m]) }, 'rolevisor', {
      write: (s: string) => passed.push(s),
    });
    const log = createLogger({ level: 'debug', destination: stream });
    log.child({ service: 'postgres' }).warn({ ms: 12 }, 'slow start');
    log.error('broken');
    log.debug('detail');
    expect(sent).toEqual([
      ['postgres', 'warn', 'slow start {"ms":12}'],
      ['rolevisor', 'error', 'broken'],
      ['rolevisor', 'debug', 'detail'],
    ]);
    expect(passed).toHaveLength(3);
    expect(JSON.parse(passed[0]).msg).toBe('slow start');
  });

  test('a sink that throws does not stop the local copy', () => {
    const passed: string[] = [];
    const stream = forwardingStream(
      {
        send: () => {
          throw new Error('x');
        },
      },
      'rolevisor',
      { write: (s: string) => passed.push(s) },
    );
    expect(stream.write('{"level":"info","msg":"a"}\n')).toBe(true);
    expect(passed).toHaveLength(1);
  });

  test('levels by label or number; text that is not JSON goes as is', () => {
    expect(pinoLevel('trace')).toBe('debug');
    expect(pinoLevel(60)).toBe('fatal');
    expect(pinoLevel(35)).toBe('info');
    expect(pinoLevel(10)).toBe('debug');
    expect(pinoMessage('plain words')).toEqual({ level: 'info', message: 'plain words' });
  });
});
