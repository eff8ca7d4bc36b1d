export type QueryValue = string | number | boolean | undefined | null | readonly string[];
export type QueryParams = Record<string, QueryValue>;

/**
 * Encode like Go's url.Values.Encode, which is what daemons and proxies have seen from docker:
 * keys sorted, `+` for spaces, only `-_.~` left unescaped. Booleans are `1`; `false`, undefined
 * and null are left out, as the Go client leaves out unset options.
 */
export function toQueryString(params: QueryParams | undefined): string {
  if (!params) return '';
  const parts: string[] = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === undefined || value === null || value === false) continue;
    // a list is a repeated key (`changes=…&changes=…`), as url.Values encodes it
    const texts = typeof value === 'object' ? value : [value === true ? '1' : String(value)];
    for (const text of texts) parts.push(`${escapeQuery(key)}=${escapeQuery(text)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

export function escapeQuery(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Escape a path part (a name, id or image reference) but keep `/` and `:` as docker does. */
export function escapePath(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (c) => encodeURIComponent(c));
}
