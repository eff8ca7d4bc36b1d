import { dockerCli, enginesOf, type BenchEnv } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';
import { mustRun, runCommand } from './timed-command.js';

/** 2. `docker exec c true` in a running container. */
export async function measureExec(env: BenchEnv): Promise<Row[]> {
  const row = newRow('2', '`exec c true` (running container)', { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.5 }] });
  const name = 'bench-exec';
  try {
    for (const e of enginesOf(env)) await mustRun(dockerCli(e, ['run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '3600']));
    return [await compareCli(env, row, { args: () => ['exec', name, 'true'], warmup: 3, rounds: 50 })];
  } finally {
    for (const e of enginesOf(env)) await runCommand(dockerCli(e, ['rm', '-f', name]));
  }
}
