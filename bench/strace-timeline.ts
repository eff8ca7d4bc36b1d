import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** One traced call (or a "+++ exited" event), with `<unfinished ...>` and its resumption merged. */
export interface TracedCall {
  tid: number;
  /** Start, in ms since midnight (strace -tt). */
  t: number;
  name: string;
  text: string;
  ret: string;
  /** Time spent in the call (strace -T), ms. */
  dur: number;
}

const LINE = /^(\d+)\s+(\d\d):(\d\d):(\d\d\.\d+) (.*)$/;

/** Parses `strace -f -tt -T` output. */
export function parseStrace(text: string): TracedCall[] {
  const calls: TracedCall[] = [];
  const pending = new Map<number, { t: number; text: string }>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const tid = Number(m[1]);
    const t = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
    let rest = m[5]!;
    if (rest.startsWith('+++ exited') || rest.startsWith('+++ killed')) {
      calls.push({ tid, t, name: '+++exited', text: rest, ret: '', dur: 0 });
      continue;
    }
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(tid, { t, text: rest.slice(0, -'<unfinished ...>'.length) });
      continue;
    }
    let start = t;
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      const p = pending.get(tid);
      pending.delete(tid);
      if (!p) continue;
      rest = p.text + resumed[1];
      start = p.t;
    }
    const name = /^(\w+)\(/.exec(rest)?.[1];
    if (!name) continue;
    const r = / = (-?\w+|\?)(?: [^<]*)?(?: <([\d.]+)>)?$/.exec(rest);
    calls.push({ tid, t: start, name, text: rest, ret: r?.[1] ?? '', dur: r?.[2] ? Number(r[2]) * 1000 : 0 });
  }
  return calls.sort((a, b) => a.t - b.t);
}

export interface Milestone {
  /** ms since berthd read the start request. */
  t: number;
  what: string;
}

export interface ShimTimeline {
  milestones: Milestone[];
  /** Each cgroup.procs or tasks write of the container's init: hierarchy, file and duration (ms). */
  cgroupJoins: { hierarchy: string; file: string; ms: number }[];
  /** Syscalls made by the shim and by the container's init until its execve. */
  shimCalls: number;
  initCalls: number;
  missing: string[];
}

/** Finds the milestones of one `run --rm` in an strace of berthd (-f, so the shim and container too). */
export function shimTimeline(calls: TracedCall[]): ShimTimeline {
  const missing: string[] = [];
  const out: Milestone[] = [];
  const find = (what: string, pred: (c: TracedCall) => boolean, from = 0): TracedCall | undefined => {
    const c = calls.find((x) => x.t >= from && pred(x));
    if (!c) missing.push(what);
    return c;
  };
  const startReq = find('start request', (c) => /^(read|recvfrom)$/.test(c.name) && /"POST \/v[\d.]+\/containers\/\w+\/start[ ?]/.test(c.text));
  const exec = find('shim execve', (c) => c.name === 'execve' && /berth-shim"/.test(c.text) && c.ret === '0');
  if (!startReq || !exec) return { milestones: [], cgroupJoins: [], shimCalls: 0, initCalls: 0, missing };
  const at = (c: TracedCall | undefined, what: string, end = false) => c && out.push({ t: c.t + (end ? c.dur : 0) - startReq.t, what });
  const shim = exec.tid;
  at(startReq, 'berthd reads `POST /containers/{id}/start`');
  at(find('shim fork', (c) => /^(clone|clone3|vfork|fork)$/.test(c.name) && c.ret === String(shim)), 'berthd forks the shim (libuv spawn)');
  at(exec, 'shim: execve returns (dynamic loading follows)', true);
  const initClone = find('init clone', (c) => c.tid === shim && /^clone/.test(c.name) && c.text.includes('CLONE_NEWPID'));
  at(initClone, 'shim: has read its config; clones the init into new namespaces');
  const init = Number(initClone?.ret);
  const initCalls = calls.filter((c) => c.tid === init);
  at(initCalls.find((c) => c.text.includes('"/sys/fs/cgroup/')), 'init: first cgroup mkdir (then the limits and device rules)');
  // v1 can be joined through cgroup.procs (the whole process) or tasks (one thread).
  const joins = initCalls.filter((c) => c.name === 'write' && /\/(cgroup\.procs|tasks)>/.test(c.text));
  at(joins[0], `init: starts joining its cgroups (${joins.length} writes to ${/tasks>/.test(joins[0]?.text ?? '') ? 'tasks' : 'cgroup.procs'})`);
  at(joins.at(-1), 'init: has joined them', true);
  at(initCalls.find((c) => c.name === 'pivot_root'), 'init: pivot_root (after loopback, hostname, rootfs mounts, /dev)');
  const cmd = initCalls.filter((c) => c.name === 'execve' && c.ret === '0').at(-1);
  at(cmd, 'init: execve of the command (after masks, capabilities, user)');
  at(initCalls.find((c) => c.name === 'exit_group'), 'container: exit_group');
  at(initCalls.find((c) => c.name === '+++exited'), 'container: reaped (its namespaces torn down)');
  at(find('start answer', (c) => c.tid !== shim && c.tid !== init && /^(write|writev|sendmsg)$/.test(c.name) && c.text.includes('"HTTP/1.1 204'), startReq.t), 'berthd answers the start (204)');
  at(calls.find((c) => c.tid === shim && c.name === '+++exited'), 'shim exits (exit status recorded, cgroups removed)');
  at(find('wait result', (c) => /^(write|writev|sendmsg)$/.test(c.name) && c.text.includes('StatusCode'), startReq.t), 'berthd answers the wait (container removed)');
  const untilExec = cmd ? initCalls.filter((c) => c.t <= cmd.t).length : initCalls.length;
  return {
    milestones: out.sort((a, b) => a.t - b.t),
    cgroupJoins: joins.map((c) => ({ hierarchy: /\/sys\/fs\/cgroup\/([^/]+)\//.exec(c.text)?.[1] ?? '?', file: /\/(cgroup\.procs|tasks)>/.exec(c.text)![1]!, ms: c.dur })),
    shimCalls: calls.filter((c) => c.tid === shim).length,
    initCalls: untilExec,
    missing,
  };
}

/** Runs `work` with `strace -f -tt -T -y` attached to a process (following what it starts). */
export async function straceDuring<T>(pid: number, o: { out: string; work: () => Promise<T> }): Promise<{ result: T; calls: TracedCall[] }> {
  const { out, work } = o;
  const strace = spawn('strace', ['-f', '-tt', '-T', '-y', '-s', '120', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await writeFile(`${out}.helper-pid`, String(strace.pid)); // for bench/run's cleanup if we die
  await new Promise<void>((resolve, reject) => {
    strace.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/attached/.test(stderr)) resolve();
    });
    strace.on('exit', (code) => reject(new Error(`strace exited with ${code}: ${stderr}`)));
  });
  let result: T;
  try {
    await sleep(300);
    result = await work();
    await sleep(300);
  } finally {
    const exited = new Promise((r) => strace.once('exit', r));
    strace.kill('SIGINT');
    await exited;
  }
  return { result, calls: parseStrace(await readFile(out, 'utf8')) };
}
