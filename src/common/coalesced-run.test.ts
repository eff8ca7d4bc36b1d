import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalescedRun } from './coalesced-run.js';

test('callers during a run share the next one; every caller sees a run that began after its call', async () => {
  const starts: number[] = [];
  let release: (() => void) | undefined;
  let calls = 0;
  const flush = coalescedRun(() => {
    starts.push(++calls);
    return new Promise<void>((r) => (release = r));
  });
  const first = flush();
  assert.equal(starts.length, 1);
  const second = flush();
  const third = flush();
  assert.equal(starts.length, 1, 'the later callers wait for the next run instead of starting their own');
  let secondDone = false;
  void second.then(() => (secondDone = true));
  release!();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.equal(secondDone, false, 'the first run began before the second call: it does not count for it');
  assert.equal(starts.length, 2);
  release!();
  await Promise.all([second, third]);
  assert.equal(starts.length, 2);
  // Idle again: a new call runs at once.
  const fourth = flush();
  assert.equal(starts.length, 3);
  release!();
  await fourth;
});

test('a failed run fails its callers, and the next callers get a fresh run', async () => {
  let fail = true;
  const flush = coalescedRun(async () => {
    if (fail) throw new Error('disk gone');
  });
  await assert.rejects(flush(), /disk gone/);
  fail = false;
  await flush();
});
