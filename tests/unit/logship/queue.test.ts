import { BoundedLineQueue } from '../../../src/logship/queue.js';

const line = (text: string) => Buffer.from(`${text}\n`);

describe('BoundedLineQueue', () => {
  test('drops the oldest lines beyond the count limit and counts them', () => {
    const q = new BoundedLineQueue(3, 1_000_000);
    for (let i = 0; i < 10; i++) q.push(line(`l${i}`));
    expect(q.length).toBe(3);
    expect(q.droppedTotal).toBe(7);
    expect(q.takeDropped()).toBe(7);
    expect(q.takeDropped()).toBe(0);
    expect(q.takeBatch(1_000_000)?.data.toString()).toBe('l7\nl8\nl9\n');
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
  });

  test('drops the oldest lines beyond the byte limit', () => {
    const q = new BoundedLineQueue(1000, 10);
    q.push(line('aaaa')); // 5 bytes
    q.push(line('bbbb'));
    q.push(line('cccc'));
    expect(q.bytes).toBe(10);
    expect(q.droppedTotal).toBe(1);
    expect(q.takeBatch(100)?.data.toString()).toBe('bbbb\ncccc\n');
  });

  test('a line larger than the whole budget is itself dropped', () => {
    const q = new BoundedLineQueue(10, 8);
    q.push(line('ok'));
    q.push(line('much too long'));
    expect(q.length).toBe(1);
    expect(q.droppedTotal).toBe(1);
  });

  test('batches stop at the byte size but always carry at least one line', () => {
    const q = new BoundedLineQueue(100, 10_000);
    for (let i = 0; i < 5; i++) q.push(line('x'.repeat(9))); // 10 bytes each
    expect(q.takeBatch(25)?.lines).toBe(2);
    expect(q.takeBatch(5)?.lines).toBe(1);
    expect(q.takeBatch(1000)?.lines).toBe(2);
    expect(q.takeBatch(1000)).toBeUndefined();
  });

  test('stays correct across compaction with many lines', () => {
    const q = new BoundedLineQueue(5000, 10_000_000);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) q.push(line(String(next++)));
      const batch = q.takeBatch(4000);
      for (const text of batch?.data.toString().split('\n').filter(Boolean) ?? []) {
        const value = Number(text);
        expect(value).toBeGreaterThanOrEqual(expected);
        expected = value + 1;
      }
    }
    expect(q.length).toBeLessThanOrEqual(5000);
    expect(q.droppedTotal + q.length).toBeLessThanOrEqual(next);
  });

  test('refuses nonsense bounds', () => {
    expect(() => new BoundedLineQueue(0, 10)).toThrow(RangeError);
  });
});
