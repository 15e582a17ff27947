/**
 * Keeps the first and last bytes of an unbounded stream in bounded memory: a fixed head plus a
 * rolling tail, and a count of everything in between. `yes` can run for an hour through this
 * without growing the process.
 */
export class HeadTailBuffer {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer;
  private headLength = 0;
  private tail: Buffer[] = [];
  private tailLength = 0;
  private total = 0;

  constructor(maxBytes: number) {
    const limit = Math.max(2, Math.floor(maxBytes));
    this.headLimit = Math.ceil(limit * 0.6);
    this.tailLimit = limit - this.headLimit;
    this.head = Buffer.alloc(this.headLimit);
  }

  get totalBytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.total > this.headLength + this.tailLength;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLength < this.headLimit) {
      const take = Math.min(this.headLimit - this.headLength, rest.length);
      rest.copy(this.head, this.headLength, 0, take);
      this.headLength += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(Buffer.from(rest)); // copy: the stream may reuse its buffer
    this.tailLength += rest.length;
    if (this.tailLength > this.tailLimit * 2) this.compactTail();
  }

  /** The kept text, with a note of how much was cut from the middle. */
  toString(): string {
    this.compactTail();
    const head = this.head.subarray(0, this.headLength).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    const omitted = this.total - this.headLength - this.tailLength;
    if (omitted <= 0) return head + tail;
    return `${head}\n\n... [${omitted} bytes of output omitted] ...\n\n${tail}`;
  }

  /** The last non-empty line seen, for progress reports. */
  lastLine(): string {
    const recent = this.tailLength > 0 ? Buffer.concat(this.tail.slice(-2)) : this.head.subarray(0, this.headLength);
    const text = recent.subarray(Math.max(0, recent.length - 2048)).toString('utf8');
    const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    return lines[lines.length - 1] ?? '';
  }

  private compactTail(): void {
    if (this.tailLength <= this.tailLimit) return;
    const joined = Buffer.concat(this.tail);
    const kept = Buffer.from(joined.subarray(joined.length - this.tailLimit));
    this.tail = [kept];
    this.tailLength = kept.length;
  }
}
