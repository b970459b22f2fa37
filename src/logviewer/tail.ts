// The last N lines of a file, read backwards from its end in chunks: a multi-gigabyte log
// costs no more than the lines asked for (and never more than maxBytes).
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface Tail {
  lines: string[];
  /** The file's size when read. */
  size: number;
  /** True when maxBytes stopped the reading before N lines were found. */
  truncated: boolean;
}

const CHUNK = 64 * 1024;

export async function tailLines(path: string, count: number, maxBytes = 8 * 1024 * 1024): Promise<Tail> {
  // O_NOFOLLOW: the name checked is the file read; O_NONBLOCK: a FIFO cannot hang us.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    const size = info.size;
    const chunks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    let read = 0;
    let first = true;
    // N lines need N newlines before them (plus the one ending the file, if any).
    while (position > 0 && newlines <= count && read < maxBytes) {
      const length = Math.min(CHUNK, position, maxBytes - read);
      position -= length;
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      const chunk = buffer.subarray(0, bytesRead);
      chunks.unshift(chunk);
      read += bytesRead;
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] === 0x0a && !(first && position + i === size - 1)) newlines++;
      }
      first = false;
      if (bytesRead < length) break;
    }
    let lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    // Started mid-file: the first piece is part of a longer line.
    const cut = position > 0;
    if (cut && lines.length > count) lines = lines.slice(-count);
    else if (cut) lines = lines.slice(1);
    else lines = lines.slice(-count);
    return { lines, size, truncated: cut && lines.length < count };
  } finally {
    await handle.close();
  }
}
