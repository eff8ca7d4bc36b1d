/** Drop insignificant whitespace from JSON text without parsing it (Go's json.Compact). */
export function compactJson(raw: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const c of raw) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      out += c;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      out += c;
    }
  }
  return out;
}
