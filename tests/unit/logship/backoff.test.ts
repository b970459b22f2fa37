import { reconnectDelay } from '../../../src/logship/backoff.js';

describe('reconnectDelay', () => {
  const options = { initialMs: 100, maxMs: 5000 };
  test('doubles per attempt, between half and all of the ceiling', () => {
    expect(reconnectDelay(0, options, () => 0)).toBe(50);
    expect(reconnectDelay(0, options, () => 1)).toBe(100);
    expect(reconnectDelay(3, options, () => 0)).toBe(400);
    expect(reconnectDelay(3, options, () => 1)).toBe(800);
  });
  test('is capped, even for huge attempt numbers', () => {
    expect(reconnectDelay(10, options, () => 1)).toBe(5000);
    expect(reconnectDelay(10_000, options, () => 1)).toBe(5000);
    expect(reconnectDelay(10_000, options, () => 0)).toBe(2500);
  });
});
