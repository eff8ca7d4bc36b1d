import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Command {
  cmd: string;
  args: string[];
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Wall time from spawn to exit, in ms. */
  ms: number;
  /** Captured only with `capture: 'text'`. */
  stdout: string;
  /** Bytes written to stdout, counted with `capture: 'count'`. */
  stdoutBytes: number;
  stderr: string;
}

export interface RunOptions {
  /** Default: stdout goes to /dev/null, as in `cmd >/dev/null`. */
  capture?: 'text' | 'count';
  timeoutMs?: number;
}

export function describe(c: Command): string {
  return [c.cmd, ...c.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Runs a command to its end and times it (spawn to exit); a timeout kills it by its pid. */
export function runCommand(c: Command, o: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(c.cmd, c.args, { stdio: ['ignore', o.capture ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    let ms = 0;
    child.stdout?.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (o.capture === 'text') stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${describe(c)} timed out after ${o.timeoutMs ?? 120_000} ms: ${stderr.trim()}`));
    }, o.timeoutMs ?? 120_000);
    child.on('exit', () => (ms = Number(process.hrtime.bigint() - start) / 1e6));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms, stdout, stdoutBytes, stderr });
    });
  });
}

function failure(c: Command, r: CommandResult): string {
  return `\`${describe(c)}\` exited with ${r.code ?? r.signal}: ${r.stderr.trim() || '(no output on stderr)'}`;
}

/** Runs a command that must succeed; returns its result. */
export async function mustRun(c: Command, o: RunOptions = {}): Promise<CommandResult> {
  const r = await runCommand(c, o);
  if (r.code !== 0) throw new Error(failure(c, r));
  return r;
}

export interface Comparison {
  samples: Map<string, number[]>;
  /** Targets that failed, with the first failure; they were not run again. */
  errors: Map<string, string>;
}

/**
 * Times several commands side by side: each round runs every command once, in alternating
 * order, so that background load falls on all of them alike. Failures stop only that command.
 */
export async function compareCommands(cmds: [name: string, c: Command][], o: { warmup: number; rounds: number; timeoutMs?: number; pauseMs?: number }): Promise<Comparison> {
  const samples = new Map<string, number[]>(cmds.map(([n]) => [n, []]));
  const errors = new Map<string, string>();
  for (let round = 0; round < o.warmup + o.rounds; round++) {
    const order = round % 2 === 0 ? cmds : [...cmds].reverse();
    for (const [name, c] of order) {
      if (errors.has(name)) continue;
      if (o.pauseMs) await sleep(o.pauseMs);
      const r = await runCommand(c, o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}).catch((err: Error) => err);
      if (r instanceof Error) errors.set(name, r.message);
      else if (r.code !== 0) errors.set(name, failure(c, r));
      else if (round >= o.warmup) samples.get(name)!.push(r.ms);
    }
  }
  return { samples, errors };
}
