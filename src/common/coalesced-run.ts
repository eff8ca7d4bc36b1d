/**
 * Wraps an idempotent flush (syncfs) so that callers arriving together share runs: a call resolves
 * once a run that started after the call has finished, and while one run is under way every new
 * caller waits for the same next one. N layers committed at once cost two flushes, not N.
 */
export function coalescedRun(run: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const p = run().finally(() => {
      if (current === p) current = undefined;
    });
    current = p;
    return p;
  };
  return () => {
    if (!current) return start();
    // What the caller wrote may postdate the flush under way: it needs the one after.
    next ??= current.catch(() => {}).then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}
