// The receiving end of PostgreSQL's archive_command. PostgreSQL's child runs a tiny client
// (scripts/wal-archive.mjs) that names a file over a unix socket only the postgres user
// (and root) can open; rolevisor itself reads pg_wal/<name>, stores it, and answers 200 only
// once the store has it. PostgreSQL's processes never hold store credentials, and the only
// thing the client can ask for is a valid WAL file name inside this cluster's pg_wal.
import { chown, chmod, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { Identity } from '../../util/identity.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../util/progress.js';
import { archiveWal } from './archive.js';
import { parseWalName, SEGMENT_BYTES } from './names.js';

export const WAL_SOCKET_NAME = 'rolevisor-wal.sock';

export interface ArchiverStats {
  segments: number;
  storedBytes: number;
  rawBytes: number;
  lastArchived?: { name: string; at: number };
  /** The current failure, while archiving fails. */
  error?: string;
  errorSince?: number;
}

export interface Backlog {
  /** Segments PostgreSQL has finished and not yet had archived (archive_status/*.ready). */
  files: number;
  bytes: number;
  /** Age of the oldest of them, in seconds (0 when there are none). */
  oldestSeconds: number;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What PostgreSQL still has to archive, from its own archive_status directory. */
export async function walBacklog(dataDir: string, now = Date.now()): Promise<Backlog> {
  const dir = join(dataDir, 'pg_wal', 'archive_status');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.ready'));
  } catch {
    return { files: 0, bytes: 0, oldestSeconds: 0 };
  }
  let oldest = now;
  let bytes = 0;
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info) oldest = Math.min(oldest, info.mtimeMs);
    bytes += parseWalName(name.slice(0, -'.ready'.length))?.kind === 'segment' ? SEGMENT_BYTES : 0;
  }
  return { files: names.length, bytes, oldestSeconds: Math.max(0, (now - oldest) / 1000) };
}

export class WalArchiver {
  readonly stats: ArchiverStats = { segments: 0, storedBytes: 0, rawBytes: 0 };
  #server: Server | undefined;

  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  /** Archives pg_wal/<name>; resolves once it is in the store. */
  async archive(name: string): Promise<void> {
    // A backup history file repeats what the base backup's manifest records: not needed.
    if (/^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/.test(name)) return;
    const wal = parseWalName(name);
    if (!wal) throw new Error(`${JSON.stringify(name)} is not a WAL segment or timeline history file name`);
    const started = Date.now();
    try {
      const done = await archiveWal(this.store, join(this.dataDir, 'pg_wal', name), wal);
      if (!done.already) {
        this.stats.segments += 1;
        this.stats.storedBytes += done.bytes;
        this.stats.rawBytes += done.rawBytes;
      }
      this.stats.lastArchived = { name, at: Date.now() };
      if (this.stats.error) {
        this.log.info(
          `WAL archiving works again after ${Math.round((Date.now() - (this.stats.errorSince ?? Date.now())) / 1000)} s`,
        );
      }
      this.stats.error = undefined;
      this.stats.errorSince = undefined;
      this.log.debug(
        { wal: name, bytes: done.bytes, rawBytes: done.rawBytes, durationMs: Date.now() - started },
        `archived ${name} (${formatBytes(done.bytes)})${done.already ? ' (already in the store)' : ''}`,
      );
    } catch (error) {
      if (!this.stats.error) this.stats.errorSince = Date.now();
      this.stats.error = message(error);
      this.log.error({ wal: name }, `archiving ${name} failed (PostgreSQL keeps it and retries): ${message(error)}`);
      throw error;
    }
  }

  /** Listens on <runDir>/rolevisor-wal.sock, owned by the postgres user, mode 0600. */
  async listen(runDir: string, identity: Identity | undefined): Promise<string> {
    const path = join(runDir, WAL_SOCKET_NAME);
    await rm(path, { force: true });
    const server = createServer((req, res) => {
      const send = (code: number, text: string) => {
        res.writeHead(code, { 'content-type': 'text/plain' });
        res.end(`${text}\n`);
      };
      const match = /^\/archive\/([0-9A-F.a-z]{1,40})$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        send(404, 'not found');
        return;
      }
      req.resume();
      this.archive(match[1]).then(
        () => send(200, 'archived'),
        (error: unknown) => send(500, message(error)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o600);
    if (identity) await chown(path, identity.uid, identity.gid);
    this.#server = server;
    return path;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
