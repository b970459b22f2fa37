// How many Celery worker processes: DACELERYWORKERS if set, else one per core, never more
// than DAMAXCELERYWORKERS and never fewer than one.
export function celeryConcurrency(
  celery: { workers: number | undefined; maxWorkers: number | undefined },
  cores: number,
): number {
  const wanted = celery.workers ?? cores;
  const capped = celery.maxWorkers === undefined ? wanted : Math.min(wanted, celery.maxWorkers);
  return Math.max(1, Math.floor(capped));
}
