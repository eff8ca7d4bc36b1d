import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchEnvFromProcess, dockerCli, enginesOf, type BenchEnv } from './bench-env.js';
import { measureBreakdown } from './measure-breakdown.js';
import { measureBuild } from './measure-build.js';
import { measureConfinement } from './measure-confinement.js';
import { measureNetwork } from './measure-network.js';
import { measureExec } from './measure-exec.js';
import { measureHundred } from './measure-hundred.js';
import { measureImages } from './measure-images.js';
import { measureLogs } from './measure-logs.js';
import { measureOperations } from './measure-operations.js';
import { measureParallel } from './measure-parallel.js';
import { measureRun } from './measure-run.js';
import { measureRuntimes } from './measure-runtimes.js';
import { measureStdout } from './measure-stdout.js';
import { measureVolumes } from './measure-volumes.js';
import { newRow, renderTable, type Row } from './results-table.js';
import { runCommand } from './timed-command.js';

/** Measurements in the order they run; ids as in RESULTS.md. */
const TABLE: { ids: string[]; what: string; run: (env: BenchEnv) => Promise<Row[]> }[] = [
  { ids: ['1'], what: 'run --rm', run: measureRun },
  { ids: ['2'], what: 'exec', run: measureExec },
  { ids: ['3'], what: '8 parallel clients', run: measureParallel },
  { ids: ['4', '5', '6'], what: '100 running containers: shims, daemon, list', run: measureHundred },
  { ids: ['7'], what: 'logs of 100k lines', run: measureLogs },
  { ids: ['8'], what: '100 MiB of attached stdout', run: measureStdout },
  { ids: ['9'], what: 'OCI runtimes alone', run: measureRuntimes },
  { ids: ['20', '21', '22', '23', '24', '25'], what: 'pull, push, save and load through a registry', run: measureImages },
  { ids: ['12'], what: 'cost of the default seccomp profile', run: measureConfinement },
  { ids: ['30', '31', '32', '33'], what: 'networks: default bridge, -p, network create/rm, throughput through a published port', run: measureNetwork },
  { ids: ['34'], what: 'run with a named volume', run: measureVolumes },
  { ids: ['40', '41'], what: 'docker build (classic builder), cold and cached', run: measureBuild },
  { ids: ['50', '50b', '51'], what: 'operating containers: logs --tail of large rotated logs (plain and compressed), the event stream', run: measureOperations },
];

const BEGIN = '<!-- bench/run --write: begin -->';
const END = '<!-- bench/run --write: end -->';

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

async function firstLine(cmd: string, args: string[]): Promise<string> {
  const r = await runCommand({ cmd, args }, { capture: 'text' }).catch(() => undefined);
  return (r?.stdout || r?.stderr || '?').trim().split('\n')[0]!;
}

async function machine(env: BenchEnv): Promise<string> {
  const commit = await firstLine('git', ['-C', env.repoRoot, 'rev-parse', '--short', 'HEAD']);
  return [
    `Linux ${release()}, ${availableParallelism()} CPUs, Node ${process.version}; berth at ${commit} plus the working tree of the time;`,
    `${await firstLine(env.dockerCli, ['--version'])} (CLI); ${await firstLine('dockerd', ['--version'])}; ${await firstLine('containerd', ['--version'])};`,
    `${await firstLine('runc', ['--version'])}; ${await firstLine('crun', ['--version'])}.`,
  ].join(' ');
}

/** Every measurement removes what it made: containers still there afterwards are a finding. */
async function leftoverContainers(env: BenchEnv): Promise<string[]> {
  const out: string[] = [];
  for (const e of enginesOf(env)) {
    const r = await runCommand(dockerCli(e, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']), { capture: 'text' });
    const names = r.stdout.trim().split('\n').filter(Boolean);
    if (r.code !== 0) out.push(`- **error:** ${e.name}: \`docker ps -a\` exited with ${r.code}: ${r.stderr.trim()}`);
    else if (names.length) out.push(`- **left over:** ${e.name} still lists ${names.length} containers after the measurements removed theirs: ${names.slice(0, 5).join('; ')}${names.length > 5 ? '; …' : ''}`);
  }
  return out.length ? [...out, ''] : [];
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, write: { type: 'boolean' } } });
  const only = values.only?.split(',').map((s) => s.trim());
  const wanted = (ids: string[]) => !only || ids.some((id) => only.includes(id));
  const env = benchEnvFromProcess(values.quick ?? false);
  const started = new Date();
  const loadBefore = loadavg()[0]!;

  const rows: Row[] = [];
  for (const m of TABLE.filter((t) => wanted(t.ids))) {
    log(`${m.ids.join(', ')}: ${m.what}`);
    try {
      rows.push(...(await m.run(env)));
    } catch (err) {
      const row = newRow(m.ids.join(', '), m.what, { unit: 'ms' });
      row.errors.push((err as Error).message);
      rows.push(row);
    }
  }
  let breakdown = '';
  if (wanted(['10'])) {
    log('10: where the milliseconds of run --rm go');
    breakdown = await measureBreakdown(env).catch((err: Error) => `**error:** ${err.message}`);
  }

  const leftovers = await leftoverContainers(env);
  const seconds = (Date.now() - started.getTime()) / 1000;
  const text = [
    BEGIN,
    `Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${values.quick ? ' (**--quick**: few rounds, not for figures)' : ''}, ${Math.round(seconds)} s; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after. ${await machine(env)}`,
    '',
    ...(rows.length ? [renderTable(rows, { berth: 'berth', docker: 'Docker Engine (or runtime)' }), ''] : []),
    ...leftovers,
    ...(breakdown ? ['### 10. Where the milliseconds of berth\'s `run --rm` go', '', breakdown, ''] : []),
    END,
  ].join('\n');
  process.stdout.write(`${text}\n`);

  if (values.write) {
    const path = join(env.repoRoot, 'bench/RESULTS.md');
    const old = await readFile(path, 'utf8').catch(() => `# Benchmarks\n\n${BEGIN}\n${END}\n`);
    const a = old.indexOf(BEGIN);
    const b = old.indexOf(END);
    await writeFile(path, a >= 0 && b > a ? old.slice(0, a) + text + old.slice(b + END.length) : `${old.trimEnd()}\n\n${text}\n`);
    log(`wrote ${path}`);
  }
  return rows.some((r) => r.errors.length) || breakdown.includes('**error:**') || leftovers.length ? 1 : 0;
}

process.exitCode = await main();
