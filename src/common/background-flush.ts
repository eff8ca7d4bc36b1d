import { setTimeout as sleep } from 'node:timers/promises';

export interface BackgroundFlush {
  /** Flush soon: once no new commit came for `quietMs` (at most `maxDelayMs` after the first). */
  soon(): void;
  /** Flush now (a run under way is joined); resolves when nothing listed before the call is pending. */
  now(): Promise<void>;
}

/**
 * Flushes to disk in the background what was committed without waiting for the disk: `pending`
 * lists what is not durable yet, `flush` makes everything written so far durable (one syncfs),
 * `flushed` takes the listed keys off the books. One run at a time; what is committed during a
 * run is taken by the next. A run waits for a quiet moment first, so that a pull or load does not
 * compete with its own write-back; a caller that needs durability at once skips the wait.
 */
export function backgroundFlush(o: {
  pending: () => string[];
  flush: () => Promise<void>;
  flushed: (keys: string[]) => Promise<void>;
  onError: (err: unknown) => void;
  quietMs?: number;
  maxDelayMs?: number;
}): BackgroundFlush {
  const quietMs = o.quietMs ?? 1000;
  const maxDelayMs = o.maxDelayMs ?? 5000;
  let running: Promise<void> | undefined;
  let hurry: (() => void) | undefined;
  const waitQuiet = async () => {
    const start = Date.now();
    let seen = o.pending().length;
    const hurried = new Promise<void>((r) => (hurry = r));
    for (;;) {
      const left = Math.min(quietMs, maxDelayMs - (Date.now() - start));
      if (left <= 0) break;
      if ((await Promise.race([sleep(left).then(() => false), hurried.then(() => true)]))) break;
      const n = o.pending().length;
      if (n === seen) break;
      seen = n;
    }
    hurry = undefined;
  };
  const loop = async (delayed: boolean) => {
    if (delayed) await waitQuiet();
    for (let keys = o.pending(); keys.length > 0; keys = o.pending()) {
      await o.flush();
      await o.flushed(keys);
    }
  };
  const start = (delayed: boolean): Promise<void> => {
    if (!running && o.pending().length > 0) {
      // finally() always runs after this assignment, even if the loop found nothing to do.
      running = loop(delayed).finally(() => {
        running = undefined;
      });
    }
    return running ?? Promise.resolve();
  };
  return {
    soon: () => {
      start(true).catch(o.onError);
    },
    now: () => {
      hurry?.();
      return start(false);
    },
  };
}
