// Picks one small file out of a tar stream as it passes through unchanged: pg_basebackup
// puts its backup_manifest (with the backup's WAL range) at the end of the tar it writes
// to stdout, and this is where rolevisor reads the range from, with no second pass.
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
const MAX_CAPTURE = 64 * 1024 * 1024;

export class TarEntryCapture extends Transform {
  #pending = Buffer.alloc(0);
  /** Bytes of the current entry's data (with padding) still to skip or capture. */
  #remaining = 0;
  #dataLeft = 0;
  #capturing = false;
  #captured: Buffer[] = [];
  #done = false;

  constructor(private readonly wanted: string) {
    super();
  }

  /** The entry's content, once the stream has ended; undefined when it was not there. */
  content(): Buffer | undefined {
    return this.#done ? Buffer.concat(this.#captured) : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - offset);
        if (this.#capturing && this.#dataLeft > 0) {
          const data = Math.min(take, this.#dataLeft);
          this.#captured.push(chunk.subarray(offset, offset + data));
          this.#dataLeft -= data;
        }
        this.#remaining -= take;
        offset += take;
        if (this.#remaining === 0 && this.#capturing) {
          this.#capturing = false;
          this.#done = true;
        }
        continue;
      }
      const need = BLOCK - this.#pending.length;
      const piece = chunk.subarray(offset, offset + need);
      this.#pending = Buffer.concat([this.#pending, piece]);
      offset += piece.length;
      if (this.#pending.length < BLOCK) break;
      const header = this.#pending;
      this.#pending = Buffer.alloc(0);
      if (header.every((b) => b === 0)) continue; // end-of-archive blocks
      const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
      this.#remaining = Math.ceil(size / BLOCK) * BLOCK;
      if (name === this.wanted && size <= MAX_CAPTURE) {
        this.#capturing = true;
        this.#dataLeft = size;
        this.#captured = [];
        if (size === 0) this.#done = true;
      }
    }
    callback(null, chunk);
  }
}

/** The WAL range a backup_manifest records: "WAL-Ranges": [{ "Timeline", "Start-LSN", "End-LSN" }]. */
export function manifestWalRange(text: string): { timeline: number; start: string; end: string } {
  const manifest = JSON.parse(text) as {
    'WAL-Ranges'?: { Timeline: number; 'Start-LSN': string; 'End-LSN': string }[];
  };
  const ranges = manifest['WAL-Ranges'] ?? [];
  const first = ranges[0];
  const last = ranges.at(-1);
  if (!first || !last) throw new Error('the backup_manifest lists no WAL range');
  return { timeline: last.Timeline, start: first['Start-LSN'], end: last['End-LSN'] };
}
