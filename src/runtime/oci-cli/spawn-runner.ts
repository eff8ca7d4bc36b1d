import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Internal } from '../../common/errors.js';
import type { OciHooks } from '../../oci/runtime-spec.js';
import { PlanOp, ShimMsg } from '../plan-codes.js';
import { MessageReader } from '../record-writer.js';
import { decodeFailure, describeFailure, type SpawnFailure } from '../spawn-failure.js';

/** native/build/berth-runner of this package (dist/src/runtime/oci-cli → the package root). */
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), '../../../../native/build/berth-runner');

/** The process could not be started: what failed, worded as runc words it. */
export class StartFailed extends Internal {
  constructor(readonly failure: SpawnFailure, hooks?: OciHooks) {
    const during = failure.op === PlanOp.BP_HOOK ? 'error during container init: ' : '';
    super(`unable to start container process: ${during}${describeFailure(failure, hooks)}`);
  }
}

export interface RunningRunner {
  /** The process's pid on the host. */
  pid: number;
  /** The runner itself: with `wait` it is the process's parent until it exits. */
  child: ChildProcess;
  /** The runner's exit status: with `wait`, the process's (128+signal when killed). */
  exited: Promise<number>;
}

function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/**
 * Runs a plan with berth-runner: the plan goes in on fd 3, one report comes back on fd 4, and the
 * runner's 0, 1 and 2 are ours, passed through to the process. Resolves once the process runs (or
 * waits on its start fifo); rejects with StartFailed when the plan failed.
 *
 * With `wait`, the runner stays the process's parent and forwards signals; it gets a session of
 * its own so that a terminal's ^C reaches the process once, through us, not also directly.
 */
export function spawnRunner(plan: Buffer, opts: { wait: boolean; hooks?: OciHooks }): Promise<RunningRunner> {
  const child = spawn(RUNNER, opts.wait ? ['--wait'] : [], { stdio: [0, 1, 2, 'pipe', 'pipe'], detached: opts.wait });
  // Resolves, never rejects: a failed spawn is reported through the start promise.
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
    child.once('error', () => resolve(-1));
  });
  const planOut = child.stdio[3] as Writable | null;
  const reports = child.stdio[4] as Readable | null;
  return new Promise<RunningRunner>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      // The process inherits the report socket until it execs: waiting for EOF would wait for `start`.
      reports?.destroy();
      fn();
    };
    child.once('error', (err) => settle(() => reject(new Internal(`cannot run "${RUNNER}": ${err.message}`, { cause: err }))));
    if (!planOut || !reports) return;
    // The runner may die before reading it all; its exit status says why.
    planOut.on('error', () => {});
    planOut.end(plan);
    const reader = new MessageReader();
    reports.on('data', (chunk: Buffer) => {
      for (const m of reader.push(chunk)) {
        if (m.kind === ShimMsg.BM_STARTED && m.payload.length >= 4) {
          const pid = m.payload.readInt32LE(0);
          settle(() => resolve({ pid, child, exited }));
        } else if (m.kind === ShimMsg.BM_START_FAILED) {
          const failure = decodeFailure(m.payload);
          settle(() => reject(new StartFailed(failure, opts.hooks)));
        } else {
          settle(() => reject(new Internal(`berth-runner sent message ${m.kind}, expected BM_STARTED or BM_START_FAILED`)));
        }
        return;
      }
    });
    reports.on('error', () => {});
    // EOF comes after any data: no report at all means the runner itself failed (it said why on stderr).
    reports.on('end', () => {
      void exited.then((status) => settle(() => reject(new Internal(`berth-runner exited with status ${status} before reporting`))));
    });
  });
}
