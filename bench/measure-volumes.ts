import { dockerCli, enginesOf, type BenchEnv } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';
import { mustRun, runCommand } from './timed-command.js';

/**
 * 30. `docker run --rm -v vol:/data busybox true` with a named volume that exists: what a volume
 * adds to row 1 (its mount, references and events).
 */
export async function measureVolumes(env: BenchEnv): Promise<Row[]> {
  const row = newRow('34', '`run --rm --network none -v vol:/data busybox true`', { unit: 'ms' });
  const vol = 'bench-vol';
  try {
    for (const e of enginesOf(env)) await mustRun(dockerCli(e, ['volume', 'create', vol]));
    return [await compareCli(env, row, { args: () => ['run', '--rm', '--network', 'none', '-v', `${vol}:/data`, 'busybox', 'true'], warmup: 3, rounds: 30 })];
  } finally {
    for (const e of enginesOf(env)) await runCommand(dockerCli(e, ['volume', 'rm', '-f', vol]));
  }
}
