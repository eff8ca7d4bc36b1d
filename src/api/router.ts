import { InvalidArgument } from '../common/errors.js';
import type { RequestContext } from './context.js';

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
  hijack: boolean;
}

/**
 * Routes by method and path. Patterns are written as '/containers/{id}/json'; '{name*}' matches
 * across slashes, for image names like 'localhost:5000/a/b'.
 */
export class Router {
  private routes: Route[] = [];

  add(method: string, path: string, handler: Handler, opts: { hijack?: boolean } = {}): this {
    const names: string[] = [];
    const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)(\\\*)?\}/g, (_m, name: string, star?: string) => {
      names.push(name);
      return star ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler, hijack: opts.hijack === true });
    return this;
  }

  /** The route for a request, or why there is none (404 for the path, 405 for the method). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string>; hijack: boolean } | 'not-found' | 'bad-method' {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodePathSegment(m[i + 1]!)));
      return { handler: r.handler, params, hijack: r.hijack };
    }
    return pathMatched ? 'bad-method' : 'not-found';
  }
}

/** A path parameter as the client meant it; a malformed escape ("%E0%A4%A") is the client's error. */
function decodePathSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new InvalidArgument(`invalid escape in the request path: "${s}"`);
  }
}
