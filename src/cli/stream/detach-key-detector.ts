/** docker's default detach sequence. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/**
 * `--detach-keys` to bytes (docker's term.ToBytes): comma-separated single characters or
 * `ctrl-<c>` for `a`-`z`, `@`, `[`, `\`, `]`, `^`, `_`.
 */
export function parseDetachKeys(keys: string): Buffer {
  const bytes: number[] = [];
  for (const raw of keys.split(',')) {
    const key = raw.trim();
    if (key.length > 1 && !key.startsWith('ctrl-')) throw new Error(`Unknown character: '${key}'`);
    if (key.startsWith('ctrl-') && key.length > 5) {
      const c = key.slice(5).toLowerCase();
      if (c.length !== 1) throw new Error(`Unknown character: '${key}'`);
      const code = c.charCodeAt(0);
      if (c >= 'a' && c <= 'z') bytes.push(code - 96);
      else if (c === '@') bytes.push(0);
      else if ('[\\]^_'.includes(c)) bytes.push(code - 64);
      else throw new Error(`Unknown character: '${key}'`);
    } else if (key.length === 1) {
      bytes.push(key.charCodeAt(0));
    } else {
      throw new Error(`Unknown character: '${key}'`);
    }
  }
  return Buffer.from(bytes);
}

/**
 * Watches terminal input for the detach sequence (docker's term.EscapeProxy). Bytes that might
 * start the sequence are held back until it is complete (detach) or broken (they are passed on).
 */
export class DetachKeyDetector {
  private readonly keys: Buffer;
  private matched = 0;

  constructor(keys: Buffer) {
    this.keys = keys;
  }

  push(chunk: Buffer): { forward: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (this.keys.length > 0 && byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      if (this.matched > 0) {
        out.push(...this.keys.subarray(0, this.matched));
        this.matched = 0;
        if (byte === this.keys[0]) {
          this.matched = 1;
          continue;
        }
      }
      out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
