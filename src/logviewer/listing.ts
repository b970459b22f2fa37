// The hosts (directories) in the log directory and their *.log files.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface LogFileEntry {
  name: string;
  /** "<host>/<name>": what /view?file= takes. */
  path: string;
  size: number;
  modified: string;
}

export interface HostEntry {
  host: string;
  files: LogFileEntry[];
}

export async function listLogs(root: string): Promise<HostEntry[]> {
  const dirs = await readdir(root, { withFileTypes: true }).catch(() => []);
  const hosts: HostEntry[] = [];
  for (const dir of dirs.filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const entries = await readdir(join(root, dir.name), { withFileTypes: true }).catch(() => []);
    const files: LogFileEntry[] = [];
    for (const entry of entries) {
      // Regular files only: a symlink would point somewhere we do not list.
      if (!entry.isFile() || !entry.name.endsWith('.log')) continue;
      const info = await lstat(join(root, dir.name, entry.name)).catch(() => undefined);
      if (!info?.isFile()) continue;
      files.push({
        name: entry.name,
        path: `${dir.name}/${entry.name}`,
        size: info.size,
        modified: info.mtime.toISOString(),
      });
    }
    files.sort((a, b) => a.name.localeCompare(b.name));
    hosts.push({ host: dir.name, files });
  }
  return hosts;
}
