// Puts one WAL file into the store: `zstd -1` of the file, held in memory (a segment is
// 16 MiB at most and an idle one compresses to a few KiB), its sha256 taken, then one put
// under a key that carries the sha256. Only once the put has returned (the local store has
// fsynced, S3 has answered) does the caller tell PostgreSQL the segment is archived.
// PostgreSQL may archive the same file again after a crash: the same bytes are a success,
// different bytes under the same name are refused (two clusters writing one store).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Store } from '../../store/store.js';
import { startPipeline } from '../pipeline.js';
import { ZSTD, ZSTD_COMPRESS_ARGS, zstdEnv } from '../zstd.js';
import { walKey, type WalName } from './names.js';

export interface ArchivedWal {
  key: string;
  /** Bytes stored (compressed). */
  bytes: number;
  /** Bytes of the WAL file itself. */
  rawBytes: number;
  sha256: string;
  /** true when an identical object was already there (a repeated archive). */
  already: boolean;
}

async function compressFile(path: string): Promise<{ body: Buffer; rawBytes: number }> {
  let rawBytes = 0;
  const input = createReadStream(path);
  input.on('data', (chunk) => {
    rawBytes += chunk.length;
  });
  // Single-threaded: the archiver runs next to PostgreSQL's own work; a segment takes tens of ms.
  const args = ZSTD_COMPRESS_ARGS.filter((a) => a !== '-T0');
  const run = startPipeline([{ name: 'zstd of a WAL segment', file: ZSTD, args, env: zstdEnv(), cwd: '/' }], {
    input,
  });
  const chunks: Buffer[] = [];
  for await (const chunk of run.output!) chunks.push(chunk as Buffer);
  await run.done;
  return { body: Buffer.concat(chunks), rawBytes };
}

export async function archiveWal(store: Store, path: string, wal: WalName): Promise<ArchivedWal> {
  const { body, rawBytes } = await compressFile(path);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = walKey(wal, sha256);
  const existing = await store.list(key.slice(0, key.length - sha256.length - '.zst'.length));
  const same = existing.find((o) => o.key === key && o.size === body.length);
  if (same) return { key, bytes: body.length, rawBytes, sha256, already: true };
  const other = existing.find((o) => o.key !== key);
  if (other) {
    throw new Error(
      `the store already holds a different ${wal.name} (${other.key}): another cluster archives into this store on the same timeline; give each cluster its own store or prefix`,
    );
  }
  await store.put(key, Readable.from([body]), { size: body.length });
  return { key, bytes: body.length, rawBytes, sha256, already: false };
}
