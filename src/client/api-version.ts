/** The newest Engine API version this client speaks. */
export const CLIENT_MAX_API_VERSION = '1.45';

/** What the docker CLI assumes when `/_ping` carries no `Api-Version`. */
export const FALLBACK_API_VERSION = '1.24';

/** Compare dotted versions numerically: `compareApiVersions('1.9', '1.10') < 0`. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The version both sides speak, as the docker CLI negotiates it: never above our own maximum. */
export function negotiateApiVersion(serverVersion: string | undefined, clientMax = CLIENT_MAX_API_VERSION): string {
  const server = serverVersion && /^\d+\.\d+$/.test(serverVersion) ? serverVersion : FALLBACK_API_VERSION;
  return compareApiVersions(server, clientMax) < 0 ? server : clientMax;
}

export function isApiVersionAtLeast(version: string, min: string): boolean {
  return compareApiVersions(version, min) >= 0;
}
