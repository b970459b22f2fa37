import { backoffDelay, FailureWindow } from '../../../src/util/backoff.js';

describe('backoffDelay', () => {
  const options = { baseMs: 100, capMs: 1000, jitter: 0.25 };

  test('doubles per attempt and stops at the cap', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, options, mid))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test('jitter stays within ±25%', () => {
    expect(backoffDelay(2, options, () => 0)).toBe(300);
    expect(backoffDelay(2, options, () => 1)).toBe(500);
  });
});

describe('FailureWindow', () => {
  test('exceeded only when more than the limit fall inside the window', () => {
    const w = new FailureWindow(2, 1000);
    w.record(0);
    w.record(100);
    expect(w.exceeded(100)).toBe(false);
    w.record(200);
    expect(w.exceeded(200)).toBe(true);
  });

  test('old failures leave the window', () => {
    const w = new FailureWindow(2, 1000);
    w.record(0);
    w.record(100);
    w.record(5000);
    expect(w.count(5000)).toBe(1);
    expect(w.exceeded(5000)).toBe(false);
  });
});
