import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CAPABILITIES } from '../src/container/oci-spec-builder.js';
import { seccompProfile } from '../src/container/seccomp-profile.js';
import { dockerCli, enginesOf, type BenchEnv } from './bench-env.js';
import { withoutUnified } from './measure-runtimes.js';
import { newRow, type Row } from './results-table.js';
import { summarize, type Summary } from './stats.js';
import { compareCommands, type Command, mustRun } from './timed-command.js';

/**
 * 12. What Docker's default confinement costs a container start: the same start with and without
 * the seccomp filter, measured side by side (interleaved rounds), for berthd and Docker Engine
 * (`run --rm` with and without `--security-opt seccomp=unconfined`) and for berth-runtime, crun
 * and runc (`run` of one bundle with Docker's default capability set, with and without the
 * seccomp section berthd writes). The cost is the median of the per-round differences.
 */

type Pair = { with: Command; without: Command };

/** Two bundles over the same root filesystem: Docker's default capabilities, the default profile or none. */
async function writeBundles(env: BenchEnv): Promise<{ on: string; off: string }> {
  const dirs = { on: join(env.ociState, 'seccomp-on'), off: join(env.ociState, 'seccomp-off') };
  for (const [name, dir] of Object.entries(dirs)) {
    await mkdir(dir, { recursive: true });
    await mustRun({ cmd: 'runc', args: ['spec', '--bundle', dir] });
    const path = join(dir, 'config.json');
    const spec = JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;
    spec.root = { path: join(env.bundle, 'rootfs'), readonly: true };
    spec.process.args = ['true'];
    spec.process.terminal = false;
    // Docker's default: no no_new_privs, so the filter is loaded before the capabilities are dropped.
    spec.process.noNewPrivileges = false;
    const caps = [...DEFAULT_CAPABILITIES];
    spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    spec.linux.cgroupsPath = `/berth-bench/oci-seccomp-${name}`;
    if (name === 'on') spec.linux.seccomp = seccompProfile({ securityOpt: [], privileged: false, bounding: caps });
    await writeFile(path, JSON.stringify(spec, null, 2));
  }
  return dirs;
}

/** Per round: with − without. Rounds alternate the order, so drift falls on both. */
function cost(samples: Map<string, number[]>, name: string): { delta?: Summary; with?: Summary; without?: Summary } {
  const a = samples.get(`${name} with`) ?? [];
  const b = samples.get(`${name} without`) ?? [];
  const n = Math.min(a.length, b.length);
  if (n === 0) return {};
  return { delta: summarize(a.slice(0, n).map((v, i) => v - b[i]!)), with: summarize(a), without: summarize(b) };
}

const ms = (s?: Summary) => (s ? `${s.median.toFixed(1)} ms` : '—');

export async function measureConfinement(env: BenchEnv): Promise<Row[]> {
  const pairs = new Map<string, Pair>();
  const run = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
  for (const e of enginesOf(env)) {
    pairs.set(e.name, { with: dockerCli(e, run), without: dockerCli(e, ['run', '--rm', '--network', 'none', '--security-opt', 'seccomp=unconfined', 'busybox', 'true']) });
  }
  const bundles = await writeBundles(env);
  const runtimes: [string, string][] = [['berth-runtime', join(env.repoRoot, 'bin/berth-runtime')], ['crun', 'crun'], ['runc', 'runc']];
  for (const [name, bin] of runtimes) {
    const c = (on: boolean): Command => withoutUnified({
      cmd: bin, args: ['--root', join(env.ociState, `state-seccomp-${name}`), 'run', '--bundle', on ? bundles.on : bundles.off, `bench-seccomp-${on ? 'on' : 'off'}`],
    });
    pairs.set(name, { with: c(true), without: c(false) });
  }
  const cmds: [string, Command][] = [...pairs].flatMap(([name, p]) => [[`${name} with`, p.with], [`${name} without`, p.without]] as [string, Command][]);
  const rounds = env.rounds(60);
  const r = await compareCommands(cmds, { warmup: 5, rounds });
  const costs = new Map([...pairs.keys()].map((n) => [n, cost(r.samples, n)]));

  const row = (id: string, title: string, berth: string, ref: string, goal: boolean): Row => {
    const out = newRow(id, title, { unit: 'ms', goals: goal ? [{ kind: 'ratio-at-most', value: 1 }] : [] });
    const b = costs.get(berth);
    const f = costs.get(ref);
    if (b?.delta) out.berth = b.delta;
    if (f?.delta) out.docker = f.delta;
    out.notes.push(`${berth}: ${ms(b?.with)} with the filter, ${ms(b?.without)} without; ${ref}: ${ms(f?.with)} with, ${ms(f?.without)} without (medians)`);
    for (const n of [berth, ref]) {
      for (const side of ['with', 'without']) {
        const err = r.errors.get(`${n} ${side}`);
        if (err) out.errors.push(`${n} ${side}: ${err}`);
      }
    }
    return out;
  };
  const rows = [
    row('12a', 'cost of Docker\'s default seccomp profile in a start, berth-runtime vs **crun** (`run` of a `true` bundle with Docker\'s default capabilities, with − without the seccomp section)', 'berth-runtime', 'crun', true),
    row('12b', 'the same cost, berth-runtime vs **runc**', 'berth-runtime', 'runc', false),
    row('12c', 'the cost in berthd\'s `run --rm --network none busybox true` (default − `--security-opt seccomp=unconfined`) vs **crun**\'s (12a)', 'berth', 'crun', true),
  ];
  if (env.docker) rows.push(row('12d', 'the cost in `run --rm --network none busybox true`, berthd vs **Docker Engine** (default − `seccomp=unconfined`)', 'berth', 'docker', false));
  rows[0]!.notes.push(`${rounds} interleaved rounds after 5 warm-up of all ${cmds.length} commands; the cost is the median (p10–p90) of the per-round differences; the runtimes run in a private mount namespace without /sys/fs/cgroup/unified (crun 1.8 refuses the hybrid layout), the wrapper's time common to both sides`);
  rows[0]!.notes.push('berth-runtime finds the program compiled by its first run under `<root>/@seccomp`; crun and runc compile the profile with libseccomp on every start');
  return rows;
}
