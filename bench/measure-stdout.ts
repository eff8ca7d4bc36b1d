import { dockerCli, enginesOf, type BenchEnv } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';
import { median } from './stats.js';
import { mustRun } from './timed-command.js';
import { cpuByCommand } from './cpu-by-command.js';

// 100 MiB of 'a', cut into lines of 100 (so 101 bytes a line): the command.
const SCRIPT = 'head -c 104857600 /dev/zero | tr "\\0" "a" | fold -w 100';
const BYTES = 105_906_175;

/** 8. 100 MiB of attached stdout through `docker run --rm`, written to /dev/null. */
export async function measureStdout(env: BenchEnv): Promise<Row[]> {
  const row = newRow('8', `100 MiB of attached stdout: \`run --rm --network none busybox sh -c '${SCRIPT}'\``, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.5 }] });
  const args = ['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', SCRIPT];
  const cpu: string[] = [];
  for (const e of enginesOf(env)) {
    // One untimed run that checks the bytes and takes the CPU time of every process involved.
    const roots = new Map([[e.pid, e.name === 'berth' ? 'berthd' : 'dockerd']]);
    const { result: r, seconds } = await cpuByCommand({ roots, cmdlineMark: e.dir }, () => mustRun(dockerCli(e, args), { capture: 'count' }));
    if (r.stdoutBytes !== BYTES) row.errors.push(`${e.name}: the client received ${r.stdoutBytes} bytes, expected ${BYTES}`);
    const top = [...seconds].filter(([, s]) => s >= 0.01).sort((a, b) => b[1] - a[1]).map(([n, s]) => `${n} ${s.toFixed(2)}`);
    cpu.push(`${e.name} ${[...seconds.values()].reduce((a, b) => a + b, 0).toFixed(2)} CPU-s in ${(r.ms / 1000).toFixed(2)} s (${top.join(', ')})`);
  }
  await compareCli(env, row, { args: () => args, warmup: 1, rounds: 8, timeoutMs: 60_000 });
  // The floor: the same pipeline with the same busybox on the host, no container, no relay.
  const floor: number[] = [];
  for (let i = 0; i < 3; i++) floor.push((await mustRun({ cmd: 'busybox', args: ['sh', '-c', SCRIPT] })).ms);
  const host = median(floor);
  const above = (v: number | undefined) => (v === undefined ? '—' : `${(v - host).toFixed(0)} ms`);
  const ratio = row.berth && row.docker ? ` (${((row.berth.median - host) / (row.docker.median - host)).toFixed(2)}×)` : '';
  row.notes.push(`the pipeline alone on the host (busybox, stdout to /dev/null) takes ${host.toFixed(0)} ms and more than one CPU-second on this 2-CPU machine, a floor common to both; above it: berth ${above(row.berth?.median)}, docker ${above(row.docker?.median)}${ratio}`);
  row.notes.push(`CPU seconds by process in one untimed run (sampled from /proc; the harness's client reads the output instead of /dev/null): ${cpu.join('; ')}`);
  return [row];
}
