import { dockerCli, enginesOf, type BenchEnv } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';
import { median } from './stats.js';
import { compareCommands, mustRun, runCommand } from './timed-command.js';

const LINES = 100_000;

/** The same request by curl, to /dev/null: the daemon's share, without the CLI's demultiplexing. */
async function serverSide(env: BenchEnv, name: string): Promise<string> {
  const path = `/v1.41/containers/${name}/logs?stdout=1&stderr=1`;
  const r = await compareCommands(enginesOf(env).map((e) => [e.name, { cmd: 'curl', args: ['-sf', '-o', '/dev/null', '--unix-socket', e.socket, `http://d${path}`] }]),
    { warmup: 2, rounds: env.rounds(10) });
  const parts = [...r.samples].filter(([, xs]) => xs.length).map(([n, xs]) => `${n} ${median(xs).toFixed(0)} ms`);
  const errors = [...r.errors].map(([n, e]) => `${n}: ${e}`);
  return `the same \`GET ${path}\` by curl to /dev/null (the daemon's share, without the CLI's demultiplexing): ${[...parts, ...errors].join(', ')}`;
}

/** 7. `docker logs c` of a container that printed 100k lines. */
export async function measureLogs(env: BenchEnv): Promise<Row[]> {
  const row = newRow('7', `\`logs c\`, ${LINES / 1000}k lines (\`seq 1 ${LINES}\`, exited)`, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.5 }] });
  const name = 'bench-logs';
  try {
    for (const e of enginesOf(env)) {
      await mustRun(dockerCli(e, ['run', '-d', '--name', name, '--network', 'none', 'busybox', 'seq', '1', String(LINES)]));
      await mustRun(dockerCli(e, ['wait', name]));
      const out = await mustRun(dockerCli(e, ['logs', name]), { capture: 'text' });
      const lines = out.stdout.split('\n').filter(Boolean);
      if (lines.length !== LINES || lines[LINES - 1] !== String(LINES)) {
        row.errors.push(`${e.name}: \`docker logs\` printed ${lines.length} lines, the last "${lines.at(-1)}"; expected ${LINES}`);
      }
    }
    await compareCli(env, row, { args: () => ['logs', name], warmup: 2, rounds: 20 });
    row.notes.push(await serverSide(env, name));
    return [row];
  } finally {
    for (const e of enginesOf(env)) await runCommand(dockerCli(e, ['rm', '-f', name]));
  }
}
