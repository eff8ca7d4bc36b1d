import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backgroundFlush } from './background-flush.js';

function harness(quietMs = 1000) {
  const pending = new Set<string>();
  const runs: string[][] = [];
  const releases: (() => void)[] = [];
  const flush = backgroundFlush({
    pending: () => [...pending],
    flush: () => new Promise<void>((r) => releases.push(r)),
    flushed: async (keys) => {
      runs.push(keys);
      for (const k of keys) pending.delete(k);
    },
    onError: (err) => assert.fail(String(err)),
    quietMs,
  });
  const releaseNext = async () => {
    for (let i = 0; i < 1000 && releases.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    releases.shift()?.();
  };
  return { pending, runs, flush, releaseNext };
}

describe('backgroundFlush', () => {
  it('now() takes what is committed during a run in the next run, one run at a time', async () => {
    const { pending, runs, flush, releaseNext } = harness();
    await flush.now();
    assert.deepEqual(runs, [], 'nothing pending: no run');
    pending.add('a');
    const first = flush.now();
    pending.add('b');
    assert.equal(flush.now(), first, 'one run at a time');
    await releaseNext();
    await releaseNext();
    await first;
    assert.deepEqual(runs, [['a'], ['b']]);
    pending.add('c');
    const again = flush.now();
    await releaseNext();
    await again;
    assert.deepEqual(runs.at(-1), ['c']);
  });

  it('soon() flushes only after a quiet moment, and now() cuts the wait short', async () => {
    const slow = harness(60_000);
    slow.pending.add('a');
    slow.flush.soon();
    await new Promise((r) => setTimeout(r, 100));
    slow.pending.add('b');
    slow.flush.soon();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(slow.runs, [], 'nothing flushed before the quiet moment');
    const forced = slow.flush.now();
    await slow.releaseNext();
    await forced;
    assert.deepEqual(slow.runs, [['a', 'b']]);

    const quick = harness(50);
    quick.pending.add('c');
    quick.flush.soon();
    await quick.releaseNext();
    for (let i = 0; i < 100 && quick.pending.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(quick.runs, [['c']], 'soon() flushed by itself after the quiet moment');
  });
});
