import { celeryConcurrency } from '../../../../src/services/celery/concurrency.js';

test.each([
  [{ workers: undefined, maxWorkers: undefined }, 4, 4, 'one per core by default'],
  [{ workers: 3, maxWorkers: undefined }, 8, 3, 'DACELERYWORKERS wins over the cores'],
  [{ workers: undefined, maxWorkers: 2 }, 16, 2, 'DAMAXCELERYWORKERS caps the cores'],
  [{ workers: 6, maxWorkers: 4 }, 2, 4, 'DAMAXCELERYWORKERS caps DACELERYWORKERS too'],
  [{ workers: undefined, maxWorkers: undefined }, 0, 1, 'never fewer than one'],
])('%j on %i cores → %i (%s)', (celery, cores, expected, _why) => {
  expect(celeryConcurrency(celery, cores)).toBe(expected);
});
