import { spawn } from 'node:child_process';
import { Internal } from '../../common/errors.js';
import type { OciHook } from '../../oci/runtime-spec.js';
import { hookArgv } from '../hook-records.js';

/** A hook that failed, worded as runc words it ("error running hook #0: ..."). */
export class HookFailed extends Internal {}

/** How much of a hook's stdout and stderr a failure quotes. */
const QUOTE_LIMIT = 4096;

/**
 * Runs one hook to its end in this (the runtime's) namespaces: the state JSON on stdin, its
 * environment exactly the hook's, killed at its timeout. Resolves when it exited 0.
 */
function runHook(h: OciHook, index: number, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const argv = hookArgv(h);
    const env: Record<string, string> = {};
    for (const e of h.env ?? []) {
      const i = e.indexOf('=');
      if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
    }
    const child = spawn(h.path, argv.slice(1), { argv0: argv[0]!, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(0, QUOTE_LIMIT)));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(0, QUOTE_LIMIT)));
    let timedOut = false;
    const timer = h.timeout ? setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, h.timeout * 1000) : undefined;
    const fail = (what: string) => reject(new HookFailed(`error running hook #${index}: ${what}`));
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(`fork/exec ${h.path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message}`);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return fail(`hook ran past specified timeout of ${h.timeout!.toFixed(1)}s`);
      if (code === 0) return resolve();
      const status = code !== null ? `exit status ${code}` : `signal: ${signal === 'SIGKILL' ? 'killed' : signal}`;
      fail(`error running hook: ${status}, stdout: ${out}, stderr: ${err}`);
    });
    // A hook that does not read its state is no failure.
    child.stdin.on('error', () => {});
    child.stdin.end(state);
  });
}

/** Runs the hooks in order; the first that fails ends the run with its error. */
export async function runHooks(hooks: OciHook[] | undefined, state: string): Promise<void> {
  for (const [i, h] of (hooks ?? []).entries()) await runHook(h, i, state);
}

/** Runs every hook whatever the others do (poststop: failures are warnings, as the spec says). */
export async function runHooksWarning(hooks: OciHook[] | undefined, state: string, warn: (msg: string) => void): Promise<void> {
  for (const [i, h] of (hooks ?? []).entries()) {
    try {
      await runHook(h, i, state);
    } catch (err) {
      warn((err as Error).message);
    }
  }
}
