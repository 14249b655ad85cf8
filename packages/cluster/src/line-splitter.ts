/**
 * Cuts a byte stream into lines ("\n", an optional "\r" before it is dropped). A line longer than
 * lineBytesMax is not returned: it is reported through onOverlong and skipped up to its end, so a
 * runaway writer cannot make the reader buffer without bound.
 */
export class LineSplitter {
  private pending = '';
  private skipping = false;

  constructor(
    private readonly lineBytesMax: number,
    private readonly onOverlong: (lengthBytes: number) => void = () => {},
  ) {}

  /** Feeds a chunk; returns the complete lines it finished. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let text = this.pending + chunk;
    this.pending = '';
    for (;;) {
      const end = text.indexOf('\n');
      if (end < 0) break;
      const line = text.slice(0, end).replace(/\r$/, '');
      text = text.slice(end + 1);
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (Buffer.byteLength(line) > this.lineBytesMax) this.onOverlong(Buffer.byteLength(line));
      else lines.push(line);
    }
    if (Buffer.byteLength(text) > this.lineBytesMax) {
      if (!this.skipping) this.onOverlong(Buffer.byteLength(text));
      this.skipping = true;
    } else if (!this.skipping) {
      this.pending = text;
    }
    return lines;
  }
}
