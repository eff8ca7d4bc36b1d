import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateRequest } from './update.js';

test('updateRequest sends every resource field, zero for the ones not given, PidsLimit only when set', () => {
  assert.deepEqual(updateRequest({ memory: 67108864, pidsLimit: 20, restart: 'on-failure:3' }), {
    BlkioWeight: 0, CpusetCpus: '', CpusetMems: '', CpuShares: 0, Memory: 67108864, MemoryReservation: 0, MemorySwap: 0,
    KernelMemory: 0, CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, NanoCpus: 0, PidsLimit: 20,
    RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
  });
  const none = updateRequest({ pidsLimit: 0, cpus: 1.5e9 });
  assert.equal('PidsLimit' in none, false);
  assert.equal(none.NanoCpus, 1.5e9);
  assert.deepEqual(none.RestartPolicy, { Name: '', MaximumRetryCount: 0 });
});

test('updateRequest refuses a malformed restart policy with docker\'s text', () => {
  assert.throws(() => updateRequest({ restart: 'on-failure:x' }), /^Error: invalid restart policy format: maximum retry count must be an integer$/);
});
