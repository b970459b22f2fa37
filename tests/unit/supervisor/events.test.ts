// A child's multi-line messages become one event each, at the level they deserve.
import { groupLines } from '../../../src/supervisor/events.js';
import type { LineLevel } from '../../../src/supervisor/lines.js';

function group(lines: string[]): [LineLevel, string][] {
  const events: [LineLevel, string][] = [];
  const grouper = groupLines((text, level) => events.push([level, text]), { idleMs: 60_000 });
  for (const line of lines) grouper.push(line);
  grouper.flush();
  return events;
}

const stamp = '2026-12-01 21:03:25.516287+00:00';

test("RabbitMQ's lines of one message (same stamp and pid) are one event", () => {
  expect(
    group([
      `${stamp} [warning] <0.735.0> closing AMQP connection <0.735.0> (127.0.0.1:33808 -> 127.0.0.1:5672):`,
      `${stamp} [warning] <0.735.0> client unexpectedly closed TCP connection`,
      `${stamp} [info] <0.736.0> accepting AMQP connection`,
    ]),
  ).toEqual([
    [
      'warn',
      `${stamp} [warning] <0.735.0> closing AMQP connection <0.735.0> (127.0.0.1:33808 -> 127.0.0.1:5672):\nclient unexpectedly closed TCP connection`,
    ],
    ['info', `${stamp} [info] <0.736.0> accepting AMQP connection`],
  ]);
});

test('an Erlang supervisor report about a child told to shut down is one info event, not many errors', () => {
  const report = [
    '    supervisor: {<0.700.0>,rabbit_channel_sup}',
    '    errorContext: shutdown_error',
    '    reason: shutdown',
    '    offender: [{pid,<0.701.0>},',
    '               {id,channel},',
    '               {mfargs,{rabbit_channel,start_link,[]}}]',
  ].map((l) => `${stamp} [error] <0.700.0> ${l}`);
  const events = group(report);
  expect(events).toHaveLength(1);
  expect(events[0][0]).toBe('info');
  expect(events[0][1].split('\n')).toHaveLength(6);
  // A real crash report stays an error.
  expect(group(report.map((l) => l.replace('reason: shutdown', 'reason: {badarg,[]}')))[0][0]).toBe('error');
});

test('a Python traceback is one error event, even when its frames say nothing of errors', () => {
  const events = group([
    '[2026-12-01 21:03:24,481: INFO/MainProcess] Task tasks.count[1] received',
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3/dist-packages/celery/app/trace.py", line 451, in trace_task',
    '    R = retval = fun(*args, **kwargs)',
    'During handling of the above exception, another exception occurred:',
    'Traceback (most recent call last):',
    '  File "tasks.py", line 9, in count',
    'psycopg2.OperationalError: server closed the connection unexpectedly',
    '[2026-12-01 21:03:25,000: INFO/MainProcess] next',
  ]);
  expect(events.map(([level, text]) => [level, text.split('\n').length])).toEqual([
    ['error', 8],
    ['info', 1],
  ]);
  expect(group(['Traceback (most recent call last):', '  File "x.py", line 1', 'KeyboardInterrupt'])).toEqual([
    ['error', 'Traceback (most recent call last):\n  File "x.py", line 1\nKeyboardInterrupt'],
  ]);
});

test('indented lines continue the event before them; plain lines are events of their own', () => {
  expect(group(['WARNING something', '  detail one', '  detail two', 'next line', 'and another'])).toEqual([
    ['warn', 'WARNING something\n  detail one\n  detail two'],
    ['info', 'next line'],
    ['info', 'and another'],
  ]);
});

test('an event is emitted after a pause in the output, without waiting for the next line', async () => {
  const events: string[] = [];
  const grouper = groupLines((text) => events.push(text), { idleMs: 20 });
  grouper.push('first');
  grouper.push('  more');
  expect(events).toEqual([]);
  await new Promise((r) => setTimeout(r, 100));
  expect(events).toEqual(['first\n  more']);
});
