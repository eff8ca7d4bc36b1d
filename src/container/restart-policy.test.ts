import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextBackoff, shouldRestart } from './restart-policy.js';
import { mergeHealthcheck, probeArgv, goDuration } from './healthcheck-config.js';
import { record } from './health-monitor.js';
import type { HealthState } from './container.js';

test('nextBackoff doubles from 100 ms up to a minute, and starts over after 10 s of running', () => {
  const seq: number[] = [];
  let d = 0;
  for (let i = 0; i < 12; i++) seq.push((d = nextBackoff(d, 50)));
  assert.deepEqual(seq.slice(0, 5), [100, 200, 400, 800, 1600]);
  assert.equal(seq.at(-1), 60_000);
  assert.equal(nextBackoff(60_000, 10_000), 100);
});

test('shouldRestart follows each policy', () => {
  const f = { exitCode: 1, restartCount: 0, manuallyStopped: false };
  assert.equal(shouldRestart({ name: 'no', maximumRetryCount: 0 }, f), false);
  assert.equal(shouldRestart({ name: 'always', maximumRetryCount: 0 }, { ...f, manuallyStopped: true }), true);
  assert.equal(shouldRestart({ name: 'unless-stopped', maximumRetryCount: 0 }, { ...f, manuallyStopped: true }), false);
  assert.equal(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, { ...f, restartCount: 1 }), true);
  assert.equal(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, { ...f, restartCount: 2 }), false);
  assert.equal(shouldRestart({ name: 'on-failure', maximumRetryCount: 0 }, { ...f, exitCode: 0 }), false);
});

test('mergeHealthcheck takes the image check under the container fields that are set', () => {
  const merged = mergeHealthcheck({ test: [], intervalNs: 5e9, timeoutNs: 0, startPeriodNs: 0, retries: 0 }, { Test: ['CMD', 'true'], Interval: 1e9, Retries: 7 });
  assert.deepEqual(merged, { test: ['CMD', 'true'], intervalNs: 5e9, timeoutNs: 0, startPeriodNs: 0, retries: 7 });
  assert.deepEqual(probeArgv(merged, null), ['true']);
  assert.deepEqual(probeArgv({ ...merged!, test: ['CMD-SHELL', 'echo hi'] }, ['/bin/ash', '-c']), ['/bin/ash', '-c', 'echo hi']);
  assert.equal(probeArgv({ ...merged!, test: ['NONE'] }, null), undefined);
  assert.deepEqual([goDuration(300), goDuration(1500), goDuration(90_000)], ['300ms', '1.5s', '1m30s']);
});

test('record counts failures to unhealthy, not while starting within the start period, and keeps five results', () => {
  const h: HealthState = { status: 'starting', failingStreak: 0, log: [] };
  const r = (exitCode: number) => ({ start: '', end: '', exitCode, output: '' });
  record(h, r(1), { retries: 2, inStartPeriod: true });
  assert.deepEqual([h.status, h.failingStreak], ['starting', 0]);
  record(h, r(1), { retries: 2, inStartPeriod: false });
  record(h, r(1), { retries: 2, inStartPeriod: false });
  assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 2]);
  for (let i = 0; i < 4; i++) record(h, r(0), { retries: 2, inStartPeriod: false });
  assert.deepEqual([h.status, h.failingStreak, h.log.length], ['healthy', 0, 5]);
});
