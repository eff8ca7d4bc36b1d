import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import { newRow, type Row } from './results-table.js';
import { summarize } from './stats.js';
import { runCommand } from './timed-command.js';

const CLIENTS = 8;
const PER_CLIENT = 5;

/** One round: CLIENTS loops, each running PER_CLIENT containers one after the other. */
async function round(e: Engine): Promise<{ rate: number; failures: string[] }> {
  const failures: string[] = [];
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (let i = 0; i < PER_CLIENT; i++) {
      const r = await runCommand(dockerCli(e, ['run', '--rm', '--network', 'none', 'busybox', 'true']));
      if (r.code !== 0) failures.push(`exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
    }
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: (CLIENTS * PER_CLIENT - failures.length) / seconds, failures };
}

/** 3. Containers per second with 8 clients running `run --rm` in parallel. */
export async function measureParallel(env: BenchEnv): Promise<Row[]> {
  const row = newRow('3', `${CLIENTS} clients in parallel, each \`run --rm --network none busybox true\` ×${PER_CLIENT}: containers/s`,
    { unit: 'containers/s', goals: [{ kind: 'ratio-at-least', value: 4 }] });
  const rounds = env.rounds(6);
  const rates = new Map<string, number[]>();
  for (let i = 0; i < 1 + rounds; i++) {
    const engines = i % 2 === 0 ? enginesOf(env) : enginesOf(env).reverse();
    for (const e of engines) {
      const r = await round(e);
      if (r.failures.length) row.errors.push(`${e.name}: ${r.failures.length} of ${CLIENTS * PER_CLIENT} runs failed in a round, e.g. ${r.failures[0]}`);
      if (i > 0) rates.set(e.name, [...(rates.get(e.name) ?? []), r.rate]);
    }
  }
  for (const [name, xs] of rates) row[name as Engine['name']] = summarize(xs);
  row.notes.push(`${rounds} interleaved rounds of ${CLIENTS * PER_CLIENT} containers after one warm-up round; rate = successful runs / wall time of the round`);
  return [row];
}
