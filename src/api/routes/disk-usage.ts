import type { Router } from '../router.js';
import type { DiskUsage } from '../types/index.js';

export interface DiskUsageBackend {
  diskUsage(): Promise<DiskUsage>;
}

/** GET /system/df, as `docker system df` calls it. */
export function diskUsageRoutes(r: Router, b: DiskUsageBackend): void {
  r.add('GET', '/system/df', async (ctx) => ctx.sendJson(200, await b.diskUsage()));
}
