import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { mustRun } from './timed-command.js';

/** A scheduler or syscall tracepoint hit, on CLOCK_MONOTONIC like process.hrtime. */
export interface SchedEvent {
  /** ms */
  t: number;
  tid: number;
  comm: string;
  event: string;
  fields: Record<string, string>;
}

const EVENTS = [
  'sched:sched_process_fork', 'sched:sched_process_exec', 'sched:sched_process_exit',
  'cgroup:cgroup_attach_task', 'syscalls:sys_enter_pivot_root',
];

const LINE = /^\s*(.+?)\s+(\d+)\/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)$/;

export function parsePerfScript(text: string): SchedEvent[] {
  const out: SchedEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const fields: Record<string, string> = {};
    for (const f of m[6]!.matchAll(/(\w+)=(\S*)/g)) fields[f[1]!] = f[2]!;
    out.push({ t: Number(m[4]) * 1000, tid: Number(m[3]), comm: m[1]!, event: m[5]!.replace(/^\w+:/, ''), fields });
  }
  return out;
}

/**
 * `perf record -a` of a few tracepoints (forks, execs, exits, cgroup moves, pivot_root): a
 * process-level timeline at almost no cost, unlike strace. tracefs is mounted in a private mount
 * namespace that ends with perf.
 */
export class SchedRecorder {
  private constructor(private readonly perf: ChildProcess, private readonly file: string) {}

  static isAvailable(): boolean {
    return ['/usr/bin/perf', '/usr/sbin/perf'].some(existsSync);
  }

  static async start(file: string): Promise<SchedRecorder> {
    const record = `mount -t tracefs nodev /sys/kernel/tracing && exec perf record -q -a -k mono -e ${EVENTS.join(',')} -o ${file}`;
    const perf = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', record], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    perf.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await writeFile(`${file}.helper-pid`, String(perf.pid)); // for bench/run's cleanup if we die
    for (let i = 0; i < 50 && !existsSync(file); i++) await sleep(50);
    await sleep(500); // perf opens its buffers after creating the file
    if (perf.exitCode !== null) throw new Error(`perf record exited with ${perf.exitCode}: ${stderr.trim()}`);
    return new SchedRecorder(perf, file);
  }

  async stop(): Promise<SchedEvent[]> {
    const exited = new Promise((r) => this.perf.once('exit', r));
    this.perf.kill('SIGINT');
    await exited;
    const r = await mustRun({ cmd: 'perf', args: ['script', '-i', this.file, '--ns', '-F', 'comm,pid,tid,time,event,trace'] }, { capture: 'text', timeoutMs: 120_000 });
    return parsePerfScript(r.stdout);
  }
}
