import type { Router } from '../router.js';
import type { AuthConfig, AuthResponse } from '../types/index.js';

export interface AuthBackend {
  /** Checks the credentials against the registry (Docker Hub when no server address is given). */
  login(auth: AuthConfig, signal: AbortSignal): Promise<AuthResponse>;
}

/** POST /auth, as `docker login` calls it. */
export function authRoutes(r: Router, b: AuthBackend): void {
  r.add('POST', '/auth', async (ctx) => {
    const ac = new AbortController();
    ctx.res!.on('close', () => ac.abort());
    const auth = await ctx.json<AuthConfig>({});
    ctx.sendJson(200, await b.login(auth, ac.signal));
  });
}
