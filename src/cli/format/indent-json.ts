/**
 * Re-indent JSON text without parsing it, like Go's json.Indent: key order, number spelling and
 * string escapes stay exactly as the daemon wrote them; empty objects and arrays stay `{}`/`[]`.
 */
export function indentJson(raw: string, indent: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let needIndent = false;
  const newline = () => `\n${indent.repeat(depth)}`;
  for (const c of raw) {
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (needIndent && c !== ']' && c !== '}') {
      needIndent = false;
      depth++;
      out += newline();
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[':
        out += c;
        needIndent = true;
        break;
      case ',':
        out += c + newline();
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (needIndent) {
          needIndent = false;
        } else {
          depth--;
          out += newline();
        }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}
