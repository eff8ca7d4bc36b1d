import { join } from 'node:path';
import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import { SchedRecorder, type SchedEvent } from './sched-recorder.js';
import { runCommand } from './timed-command.js';
import { TimingProxy } from './timing-proxy.js';

/** What happened when in one `docker run --rm`: milestone → ms since the CLI was spawned. */
export type Milestones = Map<string, number>;

export const RUN = ['run', '--rm', '--network', 'none', 'busybox', 'true'];

/**
 * Process milestones of one run from scheduler tracepoints (absolute ms). The container's init is
 * the task that execs /bin/true: for berth the shim's clone, for Docker `runc init`.
 */
export function processMilestones(events: SchedEvent[], engine: Engine['name']): Milestones {
  const m: Milestones = new Map();
  const put = (k: string, e: SchedEvent | undefined) => e && !m.has(k) && m.set(k, e.t);
  const execOf = (suffix: string) => events.find((e) => e.event === 'sched_process_exec' && e.fields.filename?.endsWith(suffix));
  const shim = execOf(engine === 'berth' ? '/berth-shim' : '/containerd-shim-runc-v2');
  if (engine === 'berth' && shim) put('berthd forks the shim', events.find((e) => e.event === 'sched_process_fork' && e.fields.child_pid === String(shim.tid)));
  put(engine === 'berth' ? 'berth-shim exec' : 'containerd-shim-runc-v2 exec (first)', shim);
  if (engine === 'docker') put('runc exec (first)', execOf('/runc'));
  const cmd = execOf('/bin/true');
  if (!cmd) return m;
  const init = String(cmd.tid);
  put('init forked (new namespaces)', events.find((e) => e.event === 'sched_process_fork' && e.fields.child_pid === init));
  const attaches = events.filter((e) => e.event === 'cgroup_attach_task' && e.fields.pid === init);
  put('init: first cgroup move', attaches[0]);
  put('init: last cgroup move', attaches.at(-1));
  put('init: pivot_root', events.find((e) => e.event === 'sys_enter_pivot_root' && e.tid === cmd.tid));
  put('init: exec of `true`', cmd);
  put('`true` exits', events.find((e) => e.event === 'sched_process_exit' && e.tid === cmd.tid));
  if (engine === 'berth' && shim) put('berth-shim exits', events.find((e) => e.event === 'sched_process_exit' && e.tid === shim.tid));
  return m;
}

interface RawRun {
  engine: Engine['name'];
  /** CLOCK_MONOTONIC ms at spawn. */
  origin: number;
  milestones: Milestones;
}

/**
 * Runs `run --rm` several times per engine, interleaved, through a timestamping proxy, with
 * scheduler tracepoints recorded when perf is installed. Returns each run's milestones.
 */
export async function recordRuns(env: BenchEnv, o: { rounds: number; errors: string[] }): Promise<Map<Engine['name'], Milestones[]>> {
  const { rounds, errors } = o;
  const proxies = new Map<Engine['name'], TimingProxy>();
  const raw: RawRun[] = [];
  let recorder: SchedRecorder | undefined;
  let events: SchedEvent[] = [];
  try {
    for (const e of enginesOf(env)) proxies.set(e.name, await TimingProxy.start(join(e.dir, 'p.sock'), e.socket));
    if (SchedRecorder.isAvailable()) {
      recorder = await SchedRecorder.start(join(env.berth.dir, 'sched.data')).catch((err: Error) => {
        errors.push(`no process timeline: ${err.message}`);
        return undefined;
      });
    }
    for (let i = 0; i < rounds + 2; i++) {
      for (const e of i % 2 ? enginesOf(env).reverse() : enginesOf(env)) {
        const proxy = proxies.get(e.name)!;
        const origin = process.hrtime.bigint();
        proxy.reset(origin);
        const r = await runCommand(dockerCli({ ...e, socket: proxy.path }, RUN));
        if (r.code !== 0) {
          errors.push(`${e.name}: \`docker run --rm\` through the proxy exited with ${r.code}: ${r.stderr.trim()}`);
          continue;
        }
        const m: Milestones = new Map([['CLI spawned', 0], ['CLI exits', r.ms]]);
        for (const ev of proxy.events) {
          const key = ev.kind === 'request' ? `→ ${ev.what}` : ev.kind === 'answer' ? `← ${ev.what} answered` : `← ${ev.what} result`;
          if (!m.has(key)) m.set(key, ev.t);
        }
        if (i >= 2) raw.push({ engine: e.name, origin: Number(origin) / 1e6, milestones: m });
      }
    }
  } finally {
    for (const p of proxies.values()) await p.close();
    if (recorder) events = await recorder.stop();
  }
  const out = new Map<Engine['name'], Milestones[]>();
  for (const run of raw) {
    const end = run.origin + run.milestones.get('CLI exits')!;
    const own = events.filter((e) => e.t >= run.origin && e.t <= end + 1);
    for (const [k, t] of processMilestones(own, run.engine)) run.milestones.set(k, t - run.origin);
    out.set(run.engine, [...(out.get(run.engine) ?? []), run.milestones]);
  }
  return out;
}
