/**
 * WWW-Authenticate challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"` or
 * `Basic realm="Registry Realm"`. Several challenges may share one header.
 */
export interface Challenge {
  /** Lower case: `basic`, `bearer`. */
  scheme: string;
  params: Record<string, string>;
}

const tokenRe = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Parses every challenge of the header values; unparsable parts are skipped, never thrown. */
export function parseWwwAuthenticate(values: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const value of Array.isArray(values) ? values : values === undefined ? [] : [values]) {
    let s = value.trim();
    let current: Challenge | undefined;
    while (s.length > 0) {
      const m = tokenRe.exec(s);
      if (!m) {
        s = s.slice(1).trimStart();
        continue;
      }
      const word = m[0];
      let rest = s.slice(word.length).trimStart();
      if (rest.startsWith('=') && current) {
        rest = rest.slice(1).trimStart();
        let val: string;
        if (rest.startsWith('"')) {
          let i = 1;
          val = '';
          while (i < rest.length && rest[i] !== '"') {
            if (rest[i] === '\\' && i + 1 < rest.length) i++;
            val += rest[i];
            i++;
          }
          rest = rest.slice(i + 1);
        } else {
          const v = /^[^,\s]*/.exec(rest)![0];
          val = v;
          rest = rest.slice(v.length);
        }
        current.params[word.toLowerCase()] = val;
      } else {
        current = { scheme: word.toLowerCase(), params: {} };
        out.push(current);
      }
      s = rest.trimStart();
      if (s.startsWith(',')) s = s.slice(1).trimStart();
    }
  }
  return out;
}
