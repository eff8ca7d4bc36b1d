import type { ChildProcess } from 'node:child_process';

/** What a foreground runtime passes on to the process it waits for, as runc's signal handler does. */
const forwarded: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export interface SignalForwarder {
  /** From now on signals go to `child` (berth-runner, which passes them to the process); those held so far first. */
  attach(child: ChildProcess): void;
  stop(): void;
}

/**
 * Takes over the signals a foreground runtime gets, before the process exists: the process may run
 * (and its caller signal us) before the runner has reported its pid, and a default SIGTERM would
 * then end us and leave the container behind. Signals that come before `attach` are held.
 */
export function forwardSignals(): SignalForwarder {
  let target: ChildProcess | undefined;
  const held: NodeJS.Signals[] = [];
  const handlers = forwarded.map((sig) => {
    const h = () => {
      if (target) target.kill(sig);
      else held.push(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    attach(child) {
      target = child;
      for (const sig of held.splice(0)) child.kill(sig);
    },
    stop() {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
