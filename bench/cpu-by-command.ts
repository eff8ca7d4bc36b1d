import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface Stat {
  comm: string;
  ppid: number;
  /** utime + stime, in clock ticks (100 a second). */
  ticks: number;
}

function readStats(): Map<number, Stat> {
  const out = new Map<number, Stat>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let s: string;
    try {
      s = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    out.set(Number(d), { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
  }
  return out;
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

export interface CpuScope {
  /** Processes counted with everything they start (their own name unless renamed here). */
  roots: Map<number, string>;
  /** Also counted, with their descendants: processes whose command line contains this. */
  cmdlineMark?: string;
}

/**
 * CPU seconds by command name of the harness's children and the given processes, with their
 * descendants, while `work` runs; sampled from /proc every 10 ms, so a process's last few ms
 * before it exits are missed.
 */
export async function cpuByCommand<T>(scope: CpuScope, work: () => Promise<T>): Promise<{ result: T; seconds: Map<string, number> }> {
  const baseline = new Map<number, number>();
  const last = new Map<number, Stat>();
  const included = new Map<number, boolean>();
  const isIncluded = (pid: number, stats: Map<number, Stat>): boolean => {
    let yes = included.get(pid);
    if (yes !== undefined) return yes;
    const ppid = stats.get(pid)?.ppid ?? 0;
    yes = scope.roots.has(pid) || ppid === process.pid || (!!scope.cmdlineMark && cmdlineOf(pid).includes(scope.cmdlineMark)) ||
      (ppid > 1 && stats.has(ppid) && isIncluded(ppid, stats));
    included.set(pid, yes);
    return yes;
  };
  const sample = () => {
    const stats = readStats();
    for (const [pid, st] of stats) {
      if (pid === process.pid || !isIncluded(pid, stats)) continue;
      if (!baseline.has(pid)) baseline.set(pid, 0); // new since the first sample: all its time counts
      last.set(pid, st);
    }
  };
  sample();
  for (const [pid, st] of last) baseline.set(pid, st.ticks); // running before: count from now on
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await sleep(10);
      sample();
    }
  })();
  const result = await work().finally(() => (done = true));
  await sampler;
  const seconds = new Map<string, number>();
  for (const [pid, st] of last) {
    const name = scope.roots.get(pid) ?? st.comm;
    seconds.set(name, (seconds.get(name) ?? 0) + (st.ticks - baseline.get(pid)!) / 100);
  }
  return { result, seconds };
}
