import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import type { Row } from './results-table.js';
import { summarize } from './stats.js';
import { compareCommands, describe, type Command } from './timed-command.js';

/** Times the same docker CLI command against berthd and Docker Engine, side by side, into a row. */
export async function compareCli(env: BenchEnv, row: Row, o: { args: () => string[]; warmup: number; rounds: number; timeoutMs?: number }): Promise<Row> {
  const cmds = enginesOf(env).map((e) => [e.name, dockerCli(e, o.args())] as [string, Command]);
  const r = await compareCommands(cmds, { warmup: o.warmup, rounds: env.rounds(o.rounds), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  for (const [name, samples] of r.samples) {
    if (samples.length) row[name as Engine['name']] = summarize(samples);
  }
  for (const [name, err] of r.errors) row.errors.push(`${name}: ${err}`);
  row.notes.push(`\`${describe({ cmd: 'docker', args: o.args() })}\`, ${env.rounds(o.rounds)} interleaved rounds after ${o.warmup} warm-up, spawn to exit, stdout to /dev/null`);
  return row;
}
