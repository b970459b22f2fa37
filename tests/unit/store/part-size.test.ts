import { choosePartSize, MAX_PARTS, MIN_PART_SIZE } from '../../../src/store/part-size.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('choosePartSize', () => {
  test('small or unknown sizes use the 8 MiB minimum', () => {
    expect(MIN_PART_SIZE).toBe(8 * MIB);
    expect(choosePartSize()).toBe(8 * MIB);
    expect(choosePartSize(0)).toBe(8 * MIB);
    expect(choosePartSize(10 * GIB)).toBe(8 * MIB);
  });

  test.each([100 * GIB, 500 * GIB, 4.8 * 1024 * GIB])(
    'a known size of %d bytes stays under 10,000 parts, in whole MiB',
    (size) => {
      const part = choosePartSize(size);
      expect(part % MIB).toBe(0);
      expect(Math.ceil(size / part)).toBeLessThan(MAX_PARTS);
    },
  );

  test('an expected size gets a margin for growth', () => {
    const part = choosePartSize(undefined, 200 * GIB);
    expect(Math.ceil((1.5 * 200 * GIB) / part)).toBeLessThan(MAX_PARTS);
    expect(part).toBeGreaterThan(choosePartSize(200 * GIB));
  });
});
