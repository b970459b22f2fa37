import { wantsPretty } from '../../src/log-format.js';

test('LOGFORMAT: pretty on a terminal by default, JSON elsewhere; json and pretty force it', () => {
  expect(wantsPretty('auto', true)).toBe(true);
  expect(wantsPretty('auto', false)).toBe(false);
  expect(wantsPretty('json', true)).toBe(false);
  expect(wantsPretty('pretty', false)).toBe(true);
});
