// STORECHECKTIMEOUT → the retries the boot makes: doubling delays from 1 s (at most 15 s)
// that fit in the budget.
import { retryBudget } from '../../../src/backup/store-check.js';

test.each([
  [0, 0],
  [1, 1],
  [2, 1],
  [3, 2],
  [30, 5],
  [60, 7],
])('%i s → %i retries', (seconds, retries) => {
  expect(retryBudget(seconds)).toEqual({ retries, minTimeoutMs: 1000, maxTimeoutMs: 15000, totalMs: seconds * 1000 });
});
