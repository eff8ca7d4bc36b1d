import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream of concatenated JSON values into parsed values. Daemons separate them with
 * `\r\n` (moby), `\n`, or nothing at all; Go's json.Decoder accepts all three, so do we.
 */
export class JsonStreamSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  /** Index in `buffer` up to which the current value has been scanned. */
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  /** Feed bytes; returns every value completed by them. */
  push(chunk: Buffer | string): unknown[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const values: unknown[] = [];
    for (let i = this.scanned; i < this.buffer.length; i++) {
      const c = this.buffer[i]!;
      if (this.start < 0) {
        if (c === '{' || c === '[') {
          this.start = i;
          this.depth = 1;
        } else if (!/\s/.test(c)) {
          throw new SyntaxError(`invalid character ${JSON.stringify(c)} looking for beginning of value`);
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          values.push(JSON.parse(this.buffer.slice(this.start, i + 1)));
          this.buffer = this.buffer.slice(i + 1);
          this.start = -1;
          i = -1;
        }
      }
    }
    this.scanned = this.buffer.length;
    if (this.start < 0) {
      // only whitespace is left over
      this.buffer = '';
      this.scanned = 0;
    }
    return values;
  }

  /** Call at end of stream: anything left over is a truncated value. */
  end(): void {
    this.buffer += this.decoder.end();
    if (this.start >= 0 || this.buffer.trim() !== '') throw new SyntaxError('unexpected end of JSON input');
  }
}

/** Read a stream of JSON values one at a time. */
export async function* readJsonStream<T>(source: AsyncIterable<Buffer | string>): AsyncGenerator<T> {
  const splitter = new JsonStreamSplitter();
  for await (const chunk of source) {
    for (const value of splitter.push(chunk)) yield value as T;
  }
  splitter.end();
}
