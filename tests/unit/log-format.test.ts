import { prettyMessage, wantsPretty } from '../../src/log-format.js';

test('LOGFORMAT: pretty on a terminal by default, JSON elsewhere; json and pretty force it', () => {
  expect(wantsPretty('auto', true)).toBe(true);
  expect(wantsPretty('auto', false)).toBe(false);
  expect(wantsPretty('json', true)).toBe(false);
  expect(wantsPretty('pretty', false)).toBe(true);
});

test("a pretty event: 'service: message', a multi-line message's lines indented under it, no control characters", () => {
  expect(prettyMessage({ service: 'rabbitmq', msg: 'closing AMQP connection:\nclient unexpectedly closed\n' })).toBe(
    'rabbitmq: closing AMQP connection:\n    client unexpectedly closed',
  );
  expect(prettyMessage({ msg: 'rolevisor ready' })).toBe('rolevisor ready');
  expect(prettyMessage({ service: 'celery', msg: 'a \u001b[2Jcleared\u0007 screen\ttab' })).toBe(
    'celery: a [2Jcleared screen\ttab',
  );
});
