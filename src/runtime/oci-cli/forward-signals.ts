import type { ChildProcess } from 'node:child_process';

/** What a foreground runtime passes on to the process it waits for, as runc's signal handler does. */
const forwarded: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/** Sends the signals we get to `child` (berth-runner, which passes them to the process); answers how to stop. */
export function forwardSignals(child: ChildProcess): () => void {
  const handlers = forwarded.map((sig) => {
    const h = () => {
      child.kill(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
