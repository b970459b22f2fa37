// The log host keeps one file per sending host and program. Hosts come and go (every ECS task
// or pod has a name of its own), so without pruning the folder only grows: files nobody has
// written to for LOGKEEPDAYS days are deleted, then the host folders left empty. syslog-ng
// closes idle files after a minute (time-reap), so a deleted file is never one it writes.
// Symbolic links are never followed nor deleted.
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function pruneIdleLogs(dir: string, keepDays: number, now = Date.now()): Promise<string[]> {
  if (keepDays <= 0) return [];
  const cutoff = now - keepDays * DAY_MS;
  const deleted: string[] = [];
  const hosts = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const host of hosts) {
    if (!host.isDirectory()) continue;
    const hostDir = join(dir, host.name);
    const files = await readdir(hostDir, { withFileTypes: true }).catch(() => []);
    for (const file of files) {
      if (!file.isFile()) continue;
      const path = join(hostDir, file.name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs >= cutoff) continue;
      await unlink(path).then(
        () => deleted.push(`${host.name}/${file.name}`),
        () => undefined,
      );
    }
    // Fails (and stays) unless empty.
    await rmdir(hostDir).catch(() => undefined);
  }
  return deleted;
}

/** Prunes now and then every hour until stopped. */
export function startLogRetention(dir: string, keepDays: number, log: Logger, everyMs = 60 * 60 * 1000): () => void {
  if (keepDays <= 0) return () => undefined;
  const run = () => {
    void pruneIdleLogs(dir, keepDays).then(
      (deleted) => {
        if (deleted.length > 0)
          log.info(
            { deleted: deleted.length, files: deleted.slice(0, 20) },
            `deleted ${deleted.length} log file(s) idle for more than ${keepDays} days (LOGKEEPDAYS)`,
          );
      },
      (error: unknown) => log.warn(`pruning ${dir} failed: ${(error as Error).message}`),
    );
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
