import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchEnv } from './bench-env.js';
import { newRow, type Row } from './results-table.js';
import { summarize, type Summary } from './stats.js';
import { describe, mustRun, runCommand, type Command } from './timed-command.js';

/**
 * Runs a command in a private mount namespace without /sys/fs/cgroup/unified: Debian's crun 1.8
 * refuses this hybrid layout. All three runtimes run there, so that they see the same host.
 */
export function withoutUnified(c: Command): Command {
  return { cmd: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh', c.cmd, ...c.args] };
}

/** The bundle's config: runc's default spec running `true`, with a cgroup under /berth-bench. */
async function writeConfig(bundle: string): Promise<void> {
  await mustRun({ cmd: 'runc', args: ['spec', '--bundle', bundle] });
  const path = join(bundle, 'config.json');
  const spec = JSON.parse(await readFile(path, 'utf8')) as { process: { args: string[]; terminal: boolean }; linux: { cgroupsPath?: string } };
  spec.process.args = ['true'];
  spec.process.terminal = false;
  spec.linux.cgroupsPath = '/berth-bench/oci-bench';
  await writeFile(path, JSON.stringify(spec, null, 2));
}

/** 9. The runtime layer alone: `run` of a `true` bundle by berth-runtime, runc and crun. */
export async function measureRuntimes(env: BenchEnv): Promise<Row[]> {
  const runcRow = newRow('9a', 'OCI runtime alone, `run` of a `true` bundle: berth-runtime vs **runc**', { unit: 'ms' });
  const crunRow = newRow('9b', 'OCI runtime alone, `run` of a `true` bundle: berth-runtime vs **crun**', { unit: 'ms' });
  await writeConfig(env.bundle);
  const berthRuntime = join(env.repoRoot, 'bin/berth-runtime');
  const runtimes: [string, string][] = [['runc', 'runc'], ['crun', 'crun'], ...(existsSync(berthRuntime) ? [['berth-runtime', berthRuntime] as [string, string]] : [])];
  const commands = new Map<string, Command>();
  for (const [name, bin] of runtimes) {
    const c: Command = { cmd: bin, args: ['--root', join(env.ociState, `state-${name}`), 'run', '--bundle', env.bundle, 'bench-oci'] };
    const r = await runCommand(withoutUnified(c));
    if (r.code === 0) commands.set(name, c);
    else (name === 'crun' ? crunRow : runcRow).errors.push(`${name}: \`${describe(c)}\` exited with ${r.code}: ${r.stderr.trim()}`);
  }
  if (!existsSync(berthRuntime)) runcRow.notes.push('bin/berth-runtime does not exist yet');

  const json = join(env.ociState, 'hyperfine.json');
  const runs = env.rounds(40);
  const hyperfine: Command = { cmd: 'hyperfine', args: ['-N', '--warmup', '5', '--runs', String(runs), '--export-json', json] };
  for (const [name, c] of commands) hyperfine.args.push('-n', name, describe(c));
  await mustRun(withoutUnified(hyperfine), { timeoutMs: 600_000 });
  const results = (JSON.parse(await readFile(json, 'utf8')) as { results: { command: string; times: number[] }[] }).results;
  const figures = new Map<string, Summary>(results.map((r) => [r.command, summarize(r.times.map((t) => t * 1000))]));

  const berth = figures.get('berth-runtime');
  for (const [row, ref] of [[runcRow, 'runc'], [crunRow, 'crun']] as const) {
    if (berth) row.berth = berth;
    const f = figures.get(ref);
    if (f) row.docker = f;
  }
  runcRow.notes.push(`\`hyperfine -N --warmup 5 --runs ${runs}\` of \`<runtime> --root DIR run --bundle B bench-oci\`, all three in one private mount namespace without /sys/fs/cgroup/unified (crun 1.8 refuses the hybrid layout)`);
  if (berth) runcRow.notes.push('bin/berth-runtime is a Node program: its figure includes starting Node (~65 ms here); berthd never runs it, it starts berth-shim directly');
  return [runcRow, crunRow];
}
