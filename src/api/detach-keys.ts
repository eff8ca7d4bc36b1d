import { InvalidArgument } from '../common/errors.js';

/** Docker's default: Ctrl-P Ctrl-Q. */
const DEFAULT = Buffer.from([0x10, 0x11]);

/** Parses "ctrl-p,ctrl-q" / "a,ctrl-[" into the bytes that detach a client (moby term.ToBytes). */
export function parseDetachKeys(s: string): Buffer {
  if (!s) return DEFAULT;
  const out: number[] = [];
  for (const key of s.split(',')) {
    const k = key.trim();
    if (k.length === 1) {
      out.push(k.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(k);
    if (!m) throw new InvalidArgument(`Invalid detach keys (${s}) provided`);
    const c = m[1]!.toLowerCase();
    if (c >= 'a' && c <= 'z') out.push(c.charCodeAt(0) - 96);
    else if (c === '@') out.push(0);
    else if (c === '[') out.push(27);
    else if (c === '\\') out.push(28);
    else if (c === ']') out.push(29);
    else if (c === '^') out.push(30);
    else if (c === '_') out.push(31);
    else throw new InvalidArgument(`Invalid detach keys (${s}) provided`);
  }
  return Buffer.from(out);
}
