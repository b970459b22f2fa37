// A FIFO of formatted lines bounded by count and bytes: when full, the oldest line goes
// (the newest say most about a problem still going on) and is counted.

export class BoundedLineQueue {
  private items: Buffer[] = [];
  private head = 0;
  private byteCount = 0;
  /** Lines dropped since the counter was last taken. */
  private droppedPending = 0;
  /** Lines dropped in all. */
  droppedTotal = 0;

  constructor(
    readonly maxLines: number,
    readonly maxBytes: number,
  ) {
    if (!(maxLines >= 1) || !(maxBytes >= 1))
      throw new RangeError(
        `BoundedLineQueue: maxLines and maxBytes must be >= 1; received ${maxLines} and ${maxBytes}`,
      );
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.byteCount;
  }

  push(line: Buffer): void {
    // A line larger than the whole budget could never fit: it is the one dropped.
    if (line.length > this.maxBytes) {
      this.countDrop(1);
      return;
    }
    this.items.push(line);
    this.byteCount += line.length;
    while (this.length > this.maxLines || this.byteCount > this.maxBytes) {
      this.shift();
      this.countDrop(1);
    }
  }

  /** Removes and returns up to `maxBytes` worth of lines (at least one), joined. */
  takeBatch(maxBytes: number): { data: Buffer; lines: number } | undefined {
    if (this.length === 0) return undefined;
    const parts: Buffer[] = [];
    let size = 0;
    while (this.length > 0) {
      const next = this.items[this.head];
      if (parts.length > 0 && size + next.length > maxBytes) break;
      parts.push(this.shift() as Buffer);
      size += next.length;
    }
    return { data: parts.length === 1 ? parts[0] : Buffer.concat(parts, size), lines: parts.length };
  }

  /** Returns the lines dropped since the last call, and resets that count. */
  takeDropped(): number {
    const n = this.droppedPending;
    this.droppedPending = 0;
    return n;
  }

  private countDrop(n: number): void {
    this.droppedPending += n;
    this.droppedTotal += n;
  }

  private shift(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as unknown as Buffer;
    this.head++;
    this.byteCount -= item?.length ?? 0;
    // Compact now and then so the array does not grow without end.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
