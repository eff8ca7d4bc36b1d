import type { RestartPolicy } from './container.js';

/**
 * Docker's restart policies and back-off (moby's restartmanager): the first restart waits
 * 100 ms, each next one twice as long, up to a minute; a container that ran for 10 s or more
 * starts again from 100 ms.
 */
export const BACKOFF_FIRST_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
export const BACKOFF_RESET_AFTER_MS = 10_000;

/** The delay before the next restart, given the previous one (0: none yet) and how long the container ran. */
export function nextBackoff(previousMs: number, ranMs: number): number {
  const prev = ranMs >= BACKOFF_RESET_AFTER_MS ? 0 : previousMs;
  if (prev === 0) return BACKOFF_FIRST_MS;
  return Math.min(prev * 2, BACKOFF_MAX_MS);
}

export interface ExitFacts {
  exitCode: number;
  restartCount: number;
  /** The user stopped or killed it (kept across daemon restarts). */
  manuallyStopped: boolean;
}

/** Whether a container that just exited is to be started again (moby's ShouldRestart). */
export function shouldRestart(p: RestartPolicy, f: ExitFacts): boolean {
  switch (p.name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !f.manuallyStopped;
    case 'on-failure':
      // MaximumRetryCount 0 is "no limit".
      return f.exitCode !== 0 && (p.maximumRetryCount <= 0 || f.restartCount < p.maximumRetryCount);
    default:
      return false;
  }
}

/**
 * Per container, the pending restart (a timer) and the last back-off delay. In memory only: a
 * daemon that starts again starts the containers that are due at once, as dockerd does.
 */
export class RestartScheduler {
  private delays = new Map<string, number>();
  private timers = new Map<string, NodeJS.Timeout>();

  /** Schedules `run` after the next back-off delay; returns the delay. */
  schedule(id: string, ranMs: number, run: () => void): number {
    this.cancel(id);
    const delay = nextBackoff(this.delays.get(id) ?? 0, ranMs);
    this.delays.set(id, delay);
    const t = setTimeout(() => {
      this.timers.delete(id);
      run();
    }, delay);
    t.unref();
    this.timers.set(id, t);
    return delay;
  }

  /** Drops a pending restart; true if there was one. */
  cancel(id: string): boolean {
    const t = this.timers.get(id);
    if (!t) return false;
    clearTimeout(t);
    this.timers.delete(id);
    return true;
  }

  /** A manual start or removal: the back-off starts over. */
  reset(id: string): void {
    this.cancel(id);
    this.delays.delete(id);
  }
}
