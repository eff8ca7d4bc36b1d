import type { HealthConfig } from '../../api/types/index.js';
import { parseGoDuration } from './parse-go-duration.js';

export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: number;
  healthStartPeriod?: string;
  healthcheck?: boolean;
}

function nanos(flag: string, v: string | undefined): number {
  if (v === undefined) return 0;
  const ms = parseGoDuration(v);
  if (ms < 0) throw new Error(`--${flag} cannot be negative`);
  return Math.round(ms * 1e6);
}

/** The docker CLI's healthcheck flags → the create body's Healthcheck (undefined: none given). */
export function parseHealthFlags(f: HealthFlags): HealthConfig | undefined {
  const given = f.healthCmd !== undefined || f.healthInterval !== undefined || f.healthTimeout !== undefined ||
    f.healthRetries !== undefined || f.healthStartPeriod !== undefined;
  // commander's --no-healthcheck sets healthcheck to false.
  if (f.healthcheck === false) {
    if (given) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!given) return undefined;
  if (f.healthRetries !== undefined && f.healthRetries < 0) throw new Error('--health-retries cannot be negative');
  return {
    ...(f.healthCmd !== undefined ? { Test: ['CMD-SHELL', f.healthCmd] } : {}),
    Interval: nanos('health-interval', f.healthInterval),
    Timeout: nanos('health-timeout', f.healthTimeout),
    StartPeriod: nanos('health-start-period', f.healthStartPeriod),
    Retries: f.healthRetries ?? 0,
  };
}
