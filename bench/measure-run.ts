import type { BenchEnv } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';

/** 1. `docker run --rm --network none busybox true`, one at a time. */
export async function measureRun(env: BenchEnv): Promise<Row[]> {
  const row = newRow('1', '`run --rm --network none busybox true`', { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.25 }] });
  return [await compareCli(env, row, { args: () => ['run', '--rm', '--network', 'none', 'busybox', 'true'], warmup: 3, rounds: 30 })];
}
