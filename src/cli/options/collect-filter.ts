import { addFilter, type Filters } from '../../client/index.js';

/** Accumulates `--filter key=value` flags (docker's opts.FilterOpt). */
export function collectFilter(value: string, previous: Filters | undefined): Filters {
  const filters = previous ?? {};
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error('bad format of filter (expected name=value)');
  const key = value.slice(0, eq).trim().toLowerCase();
  const val = value.slice(eq + 1).trim();
  return addFilter(filters, key, val);
}
