import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import { median, summarize, type Summary } from './stats.js';
import { shimTimeline, straceDuring } from './strace-timeline.js';
import { compareCommands, mustRun } from './timed-command.js';
import { recordRuns, RUN, type Milestones } from './run-timeline.js';

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(1));

/** Phases of one `run --rm`, from the API calls the proxy saw; the CLI's own time is what is left. */
const PHASES: [label: string, from: string, to: string][] = [
  ['CLI start-up (spawn → first request)', 'CLI spawned', '→ ping'],
  ['`HEAD /_ping`', '→ ping', '← ping answered'],
  ['`POST /containers/create`', '→ create', '← create answered'],
  ['`POST /containers/{id}/attach` (until 101)', '→ attach', '← attach answered'],
  ['`POST /containers/{id}/wait` (until the header)', '→ wait', '← wait answered'],
  ['`POST /containers/{id}/start` (until 204)', '→ start', '← start answered'],
  ['start answered → wait result: run, exit, removal', '← start answered', '← wait result'],
  ['CLI exit (wait result → process exit)', '← wait result', 'CLI exits'],
];

function phaseTable(runs: Map<Engine['name'], Milestones[]>, engines: Engine[]): string {
  const phase = (name: Engine['name'], from: string, to: string) => {
    const xs = runs.get(name)!.filter((m) => m.has(from) && m.has(to)).map((m) => m.get(to)! - m.get(from)!);
    return xs.length ? median(xs) : undefined;
  };
  const total = (name: Engine['name']) => median(runs.get(name)!.map((m) => m.get('CLI exits')!));
  const rest = (name: Engine['name']) =>
    median(runs.get(name)!.map((m) => m.get('CLI exits')! - PHASES.reduce((sum, [, f, t]) => sum + (m.has(f) && m.has(t) ? m.get(t)! - m.get(f)! : 0), 0)));
  const lines = [`| phase (medians) | ${engines.map(label).join(' | ')} |`, `| --- |${engines.map(() => ' ---: |').join('')}`];
  for (const [text, from, to] of PHASES) lines.push(`| ${text} | ${engines.map((e) => ms(phase(e.name, from, to))).join(' | ')} |`);
  lines.push(`| the CLI's own time between calls (total − the above, per run) | ${engines.map((e) => ms(rest(e.name))).join(' | ')} |`);
  lines.push(`| **total** | ${engines.map((e) => `**${ms(total(e.name))}**`).join(' | ')} |`);
  return lines.join('\n');
}

/** Every milestone at its median time since the CLI was spawned, in order. */
function timelineTable(runs: Milestones[]): string {
  const keys = new Set(runs.flatMap((m) => [...m.keys()]));
  const rows = [...keys].map((k) => {
    const xs = runs.filter((m) => m.has(k)).map((m) => m.get(k)!);
    return { k, t: median(xs), n: xs.length };
  }).sort((a, b) => a.t - b.t);
  const lines = ['| t (ms) | Δ (ms) | milestone |', '| ---: | ---: | --- |'];
  let prev = 0;
  for (const r of rows) {
    lines.push(`| ${r.t.toFixed(1)} | ${(r.t - prev).toFixed(1)} | ${r.k}${r.n < runs.length ? ` (in ${r.n} of ${runs.length} runs)` : ''} |`);
    prev = r.t;
  }
  return lines.join('\n');
}

const label = (e: Engine) => (e.name === 'berth' ? 'berth' : 'Docker Engine');

/** `run --rm` through the proxy, with scheduler tracepoints: phases and a timeline per engine. */
async function runTimeline(env: BenchEnv, errors: string[]): Promise<{ text: string; berthTotal?: number }> {
  const rounds = env.rounds(20);
  const runs = await recordRuns(env, { rounds, errors });
  const engines = enginesOf(env).filter((e) => runs.get(e.name)?.length);
  const parts = [
    `**API calls** (${rounds} runs per daemon, interleaved), through a timestamping UNIX-socket proxy in the harness (one extra hop per message):`,
    '',
    phaseTable(runs, engines),
    '',
    `**Timeline** of the same runs: the proxy's API events and the processes' forks, execs, exits, cgroup moves and pivot_root from \`perf record\` of scheduler tracepoints (no strace; same clock). Medians of each milestone, so the Δ are differences of medians.`,
  ];
  for (const e of engines) parts.push('', `${label(e)}:`, '', timelineTable(runs.get(e.name)!));
  const berth = runs.get('berth');
  return { text: parts.join('\n'), ...(berth?.length ? { berthTotal: median(berth.map((m) => m.get('CLI exits')!)) } : {}) };
}

/** One `run --rm` with strace -f attached to berthd: the shim's and the container's side. */
async function stracedRun(env: BenchEnv, untracedMs: number | undefined): Promise<string> {
  const { result: traced, calls } = await straceDuring(env.berth.pid, { out: join(env.berth.dir, 'run.strace'), work: () => mustRun(dockerCli(env.berth, RUN)) });
  const tl = shimTimeline(calls);
  const lines = [
    `One run with \`strace -f -tt -T -p <berthd>\` attached (it follows the shim and the container). The traced run took ${traced.ms.toFixed(0)} ms against ${ms(untracedMs)} ms untraced (the median above): strace slows every syscall, so read the proportions, not the absolute figures.`,
    '',
    '| t (ms) | since the previous event (ms) | event |',
    '| ---: | ---: | --- |',
  ];
  let prev = 0;
  for (const m of tl.milestones) {
    lines.push(`| ${m.t.toFixed(2)} | ${(m.t - prev).toFixed(2)} | ${m.what} |`);
    prev = m.t;
  }
  const joins = tl.cgroupJoins.map((j) => `${j.hierarchy}/${j.file} ${j.ms.toFixed(2)}`).join(', ');
  lines.push('', `Joining the cgroups (one \`write("0")\` per hierarchy): ${joins || 'no write found'} ms. The shim made ${tl.shimCalls} syscalls, the init ${tl.initCalls} until its execve.`);
  if (tl.missing.length) lines.push('', `Not found in the trace: ${tl.missing.join(', ')}.`);
  return lines.join('\n');
}

/**
 * A cgroup v1 migration alone: `echo 0 >` cgroup.procs (takes the threadgroup rwsem for writing,
 * which waits for an RCU grace period unless another migration happened just before), tasks (one
 * thread), and /dev/null, 50 ms apart.
 */
async function cgroupJoinCost(env: BenchEnv): Promise<string> {
  const dir = '/sys/fs/cgroup/cpu/berth-bench/join-probe';
  await mkdir(dir, { recursive: true });
  try {
    const probe = (file: string) => ({ cmd: 'sh', args: ['-c', `echo 0 > ${file}`] });
    const r = await compareCommands([
      ['cgroup.procs', probe(`${dir}/cgroup.procs`)],
      ['tasks', probe(`${dir}/tasks`)],
      ['/dev/null', probe('/dev/null')],
    ], { warmup: 2, rounds: env.rounds(30), pauseMs: 50 });
    if (r.errors.size) return `cgroup join probe failed: ${[...r.errors.values()].join('; ')}`;
    const [procs, tasks, none] = ['cgroup.procs', 'tasks', '/dev/null'].map((k) => summarize(r.samples.get(k)!));
    const extra = (s: Summary) => `**+${(s.median - none!.median).toFixed(1)} ms** (p10–p90 ${s.p10.toFixed(1)}–${s.p90.toFixed(1)} ms)`;
    return `A cgroup v1 migration measured alone, \`sh -c 'echo 0 > FILE'\` in ${dir}, ${none!.n} interleaved runs 50 ms apart so that no other migration happened just before, against FILE = /dev/null (${none!.median.toFixed(1)} ms): cgroup.procs ${extra(procs!)}, tasks ${extra(tasks!)}.`;
  } finally {
    await rmdir(dir).catch(() => {});
  }
}

/** 10. Where the milliseconds of berth's `run --rm` go; a Markdown section. */
export async function measureBreakdown(env: BenchEnv): Promise<string> {
  const errors: string[] = [];
  const floor = await compareCommands(enginesOf(env).map((e) => [e.name, dockerCli(e, ['version'])]), { warmup: 2, rounds: env.rounds(20) });
  for (const [n, e] of floor.errors) errors.push(`${n}: ${e}`);
  const floorText = enginesOf(env).filter((e) => floor.samples.get(e.name)?.length)
    .map((e) => `${e.name} ${median(floor.samples.get(e.name)!).toFixed(1)} ms`).join(', ');
  const timeline = await runTimeline(env, errors);
  const sections = [
    `**The CLI's floor:** \`docker version\` (\`HEAD /_ping\` + \`GET /version\`, no container): ${floorText}. \`node -e 0\` takes about 65 ms here, which is why no Node process may start per container.`,
    '',
    timeline.text,
    '',
    `**Inside berth's start:** ${await stracedRun(env, timeline.berthTotal)}`,
    '',
    await cgroupJoinCost(env),
  ];
  if (errors.length) sections.push('', ...errors.map((e) => `- **error:** ${e}`));
  return sections.join('\n');
}
