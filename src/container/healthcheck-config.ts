import type { ImageHealthcheck } from '../oci/image.js';
import type { HealthcheckConfig } from './container.js';

/** moby's defaults for what a healthcheck leaves at zero. */
export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3 };

/** The image's healthcheck under the container's, field by field, as moby merges them at create. */
export function mergeHealthcheck(user: HealthcheckConfig | null | undefined, image: ImageHealthcheck | null | undefined): HealthcheckConfig | null {
  const img: HealthcheckConfig | null = image
    ? { test: image.Test ?? [], intervalNs: image.Interval ?? 0, timeoutNs: image.Timeout ?? 0, startPeriodNs: image.StartPeriod ?? 0, retries: image.Retries ?? 0 }
    : null;
  if (!user) return img;
  if (!img) return user;
  return {
    test: user.test.length ? user.test : img.test,
    intervalNs: user.intervalNs || img.intervalNs,
    timeoutNs: user.timeoutNs || img.timeoutNs,
    startPeriodNs: user.startPeriodNs || img.startPeriodNs,
    retries: user.retries || img.retries,
  };
}

/** The probe's argv, or undefined when there is no check (none given, or NONE). */
export function probeArgv(h: HealthcheckConfig | null, shell: string[] | null): string[] | undefined {
  const [kind, ...rest] = h?.test ?? [];
  if (kind === 'CMD' && rest.length) return rest;
  if (kind === 'CMD-SHELL' && rest.length) return [...(shell?.length ? shell : ['/bin/sh', '-c']), rest.join(' ')];
  return undefined;
}

/** Go's time.Duration.String() for whole milliseconds ("300ms", "1.5s", "1m30s"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
