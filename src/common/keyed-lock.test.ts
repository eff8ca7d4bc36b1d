import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedLock } from './keyed-lock.js';

test('KeyedLock runs holders of one key one at a time, in arrival order, other keys alongside', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  let releaseFirst!: () => void;
  const first = lock.run('a', async () => {
    log.push('a1 in');
    await new Promise<void>((r) => (releaseFirst = r));
    log.push('a1 out');
  });
  const second = lock.run('a', async () => void log.push('a2'));
  await lock.run('b', async () => void log.push('b'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['a1 in', 'b'], 'the second holder of "a" waits; "b" does not');
  releaseFirst();
  await Promise.all([first, second]);
  assert.deepEqual(log, ['a1 in', 'b', 'a1 out', 'a2']);
  assert.equal(lock.isBusy('a'), false, 'a key nobody holds is forgotten');
});

test('KeyedLock passes on after a holder throws', async () => {
  const lock = new KeyedLock();
  await assert.rejects(lock.run('a', async () => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(await lock.run('a', async () => 7), 7);
});
