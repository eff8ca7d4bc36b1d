import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setLongTimeout } from './long-timeout.js';

test('a delay past what a Node timer holds does not fire at once', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let fired = false;
  setLongTimeout(() => (fired = true), 2 ** 31 + 5000);
  t.mock.timers.tick(2 ** 31 - 1);
  assert.equal(fired, false);
  t.mock.timers.tick(5000);
  assert.equal(fired, false);
  t.mock.timers.tick(1);
  assert.equal(fired, true);
});

test('cancel stops it, also after the first leg', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let fired = false;
  const cancel = setLongTimeout(() => (fired = true), 2 ** 31 + 10);
  t.mock.timers.tick(2 ** 31);
  cancel();
  t.mock.timers.tick(100);
  assert.equal(fired, false);
});
