/** A buffered CSV file writer that respects back-pressure, for files of millions of rows. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export class CsvWriter {
  private readonly out: WriteStream;
  private buf: string[] = [];

  constructor(path: string, header: string[]) {
    this.out = createWriteStream(path);
    this.buf.push(header.join(','));
  }

  async row(values: (string | number | null)[]): Promise<void> {
    this.buf.push(values.map((v) => (v === null ? '' : String(v))).join(','));
    if (this.buf.length >= 4096) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.buf.length) return;
    const ok = this.out.write(`${this.buf.join('\n')}\n`);
    this.buf = [];
    if (!ok) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}
