import { PassThrough } from 'node:stream';
import { guessLevel, readLines } from '../../../src/supervisor/lines.js';

test('guessLevel reads the level words programs print', () => {
  expect(guessLevel('2026-11-23 LOG:  database system is ready')).toBe('info');
  expect(guessLevel('FATAL:  password authentication failed')).toBe('fatal');
  expect(guessLevel('[error] 12#12: open() failed')).toBe('error');
  expect(guessLevel('WARNING: no stats')).toBe('warn');
  expect(guessLevel('an errorless line')).toBe('info');
});

test('readLines splits chunks into lines, skips empty ones and cuts very long ones', async () => {
  const stream = new PassThrough();
  const lines: string[] = [];
  readLines(stream, (l) => lines.push(l), 10);
  stream.write('one\ntw');
  stream.write('o\n\nthree-is-too-long\n');
  stream.end('last');
  await new Promise((r) => setTimeout(r, 50));
  expect(lines[0]).toBe('one');
  expect(lines[1]).toBe('two');
  expect(lines[2]).toMatch(/^three-is-t… \(7 more characters\)$/);
  expect(lines[3]).toBe('last');
});
