import { spawn } from 'node:child_process';
import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';
import { summarize } from './stats.js';
import { mustRun, runCommand } from './timed-command.js';

const LINE = '0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy';

/**
 * 50. `logs --tail 100` of a container whose log is large.
 * 50a: Docker's json-file keeps one file (unbounded by default); berthd's rotates (100 MB × 10
 * files, so that both keep all of it).
 * 50b: both rotate with the same options and compress the rotated files, which is how an operator
 * bounds Docker's logs: dockerd 20.10 then decompresses every rotated file before it can tail.
 */
async function tailOfLargeLog(env: BenchEnv, quick: boolean, compressed: boolean): Promise<Row> {
  const bytes = quick ? 64 << 20 : 1 << 30;
  const rotation = ['--log-opt', `max-size=${quick ? 16 : 100}m`, '--log-opt', 'max-file=10'];
  const title = compressed
    ? `\`logs --tail 100\`, ${bytes >> 20} MiB of log, both rotated and compressed (\`${rotation.filter((o) => o !== '--log-opt').join(',')},compress=true\`)`
    : `\`logs --tail 100\`, ${bytes >> 20} MiB of log (rotated in berth)`;
  const row = newRow(compressed ? '50b' : '50', title, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.1 }] });
  const name = compressed ? 'bench-oplogs-gz' : 'bench-oplogs';
  try {
    for (const e of enginesOf(env)) {
      const opts = compressed ? [...rotation, '--log-opt', 'compress=true'] : e.name === 'berth' ? rotation : [];
      await mustRun(dockerCli(e, ['run', '-d', '--name', name, '--network', 'none', ...opts, 'busybox', 'sh', '-c', `yes ${LINE} | head -c ${bytes}; echo last`]));
      await mustRun(dockerCli(e, ['wait', name]), { timeoutMs: 600_000 });
      const out = await mustRun(dockerCli(e, ['logs', '--tail', '100', name]), { capture: 'text' });
      const lines = out.stdout.split('\n').filter(Boolean);
      if (lines.length !== 100 || !lines.at(-1)?.endsWith('last')) {
        row.errors.push(`${e.name}: \`logs --tail 100\` printed ${lines.length} lines, the last "${lines.at(-1)?.slice(0, 80)}"`);
      }
    }
    await compareCli(env, row, { args: () => ['logs', '--tail', '100', name], warmup: 2, rounds: 20 });
    return row;
  } finally {
    for (const e of enginesOf(env)) await runCommand(dockerCli(e, ['rm', '-f', name]));
  }
}

/** A live `docker events` of containers, collected until stopped. */
function follow(e: Engine): { stop: () => Promise<string[]> } {
  const child = spawn(e.cli, ['-H', `unix://${e.socket}`, 'events', '--filter', 'type=container', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return {
    stop: () => new Promise((resolve) => {
      child.once('close', () => resolve(out.split('\n').filter(Boolean)));
      child.kill('SIGTERM');
    }),
  };
}

/** 51. The event stream while containers start and stop, 4 at a time: every event arrives. */
async function eventStream(env: BenchEnv, quick: boolean): Promise<Row> {
  const count = quick ? 20 : 100;
  const row = newRow('51', `${count} containers run and removed, 4 at a time, under a live \`docker events\``, { unit: 'ms' });
  const names = Array.from({ length: count }, (_, i) => `bench-ev-${i}`);
  for (const e of enginesOf(env)) {
    const events = follow(e);
    await new Promise((r) => setTimeout(r, 500));
    const queue = [...names];
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) {
        const r = await runCommand(dockerCli(e, ['run', '--rm', '--name', n, '--network', 'none', 'busybox', 'true']));
        if (r.code !== 0) row.errors.push(`${e.name}: ${n}: exit ${r.code}: ${r.stderr.trim()}`);
      }
    }));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    await new Promise((r) => setTimeout(r, 1000));
    const seen = await events.stop();
    row[e.name] = summarize([ms]);
    for (const action of ['create', 'start', 'die', 'destroy']) {
      const got = new Set(seen.filter((l) => l.startsWith(`${action} bench-ev-`)).map((l) => l.split(' ')[1]));
      const lost = names.filter((n) => !got.has(n));
      if (lost.length) row.errors.push(`${e.name}: ${lost.length} \`${action}\` events lost (${lost.slice(0, 3).join(', ')}…)`);
    }
    row.notes.push(`${e.name}: ${seen.length} container events received`);
  }
  row.notes.push('time to run and remove them all (one sample); errors name any create/start/die/destroy event that did not arrive');
  return row;
}

/** 50, 51: operating containers (issue 7). */
export async function measureOperations(env: BenchEnv): Promise<Row[]> {
  const quick = env.rounds(6) < 6;
  return [await tailOfLargeLog(env, quick, false), await tailOfLargeLog(env, quick, true), await eventStream(env, quick)];
}
