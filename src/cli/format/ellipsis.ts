import { charWidth, displayWidth } from './display-width.js';

/** Shorten to `max` columns ending in "…" (docker's formatter.Ellipsis). */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (max === 1) return chars[0] ?? '';
  if (displayWidth(s) <= max) return s;
  let width = 0;
  let out = '';
  for (const ch of chars) {
    const w = charWidth(ch.codePointAt(0)!);
    if (width + w > max - 1) break;
    width += w;
    out += ch;
  }
  return `${out}…`;
}
