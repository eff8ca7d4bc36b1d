/**
 * One-at-a-time sections per key, in arrival order: a caller waits until every earlier holder of
 * the same key has finished (whether it succeeded or threw). Keys with nobody waiting are dropped,
 * so the map only holds what is in use.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Whether someone holds or waits for `key`. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }
}
