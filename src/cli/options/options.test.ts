import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvFile, resolveEnvFlag } from './parse-env-file.js';
import { parseGoDuration } from './parse-go-duration.js';
import { parseRamBytes } from './parse-ram-bytes.js';
import { parseNanoCpus } from './parse-nano-cpus.js';
import { parsePortSpecs } from './parse-port-specs.js';
import { parseRestartPolicy } from './parse-restart-policy.js';
import { toApiTimestamp } from './to-api-timestamp.js';

test('parseRamBytes uses binary units like RAMInBytes', () => {
  assert.equal(parseRamBytes('256m'), 268435456);
  assert.equal(parseRamBytes('1.5g'), 1610612736);
  assert.equal(parseRamBytes('512'), 512);
  assert.equal(parseRamBytes('2KiB'), 2048);
  assert.throws(() => parseRamBytes('abc'), { message: "invalid size: 'abc'" });
});

test('parseNanoCpus is exact', () => {
  assert.equal(parseNanoCpus('1.5'), 1_500_000_000);
  assert.equal(parseNanoCpus('0.000000001'), 1);
  assert.equal(parseNanoCpus('2'), 2_000_000_000);
  assert.throws(() => parseNanoCpus('abc'), { message: 'failed to parse abc as a rational number' });
  assert.throws(() => parseNanoCpus('0.0000000001'), { message: 'value is too precise' });
});

test('parseGoDuration reads Go durations', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('-5m'), -300_000);
  assert.throws(() => parseGoDuration('5'), { message: 'time: invalid duration "5"' });
});

test('toApiTimestamp follows timetypes.GetTimestamp', () => {
  const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 600));
  assert.equal(toApiTimestamp('5m', now), String(Math.trunc(now.getTime() / 1000) - 300));
  assert.equal(toApiTimestamp('2020-01-01T00:00:00Z', now), '1577836800.000000000');
  assert.equal(toApiTimestamp('2020-01-01T00:00:00.5+01:00', now), '1577833200.500000000');
  assert.equal(toApiTimestamp('1700000000.25', now), '1700000000.25');
  assert.throws(() => toApiTimestamp('abc', now), { message: 'failed to parse value as time or duration: "abc"' });
});

test('parsePortSpecs builds exposed ports and bindings', () => {
  assert.deepEqual(parsePortSpecs(['8080:80', '127.0.0.1:9000-9001:90-91/udp', '7000', '[::1]:53:53/udp']), {
    exposed: { '80/tcp': {}, '90/udp': {}, '91/udp': {}, '7000/tcp': {}, '53/udp': {} },
    bindings: {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '90/udp': [{ HostIp: '127.0.0.1', HostPort: '9000' }],
      '91/udp': [{ HostIp: '127.0.0.1', HostPort: '9001' }],
      '7000/tcp': [{ HostIp: '', HostPort: '' }],
      '53/udp': [{ HostIp: '::1', HostPort: '53' }],
    },
  });
  assert.throws(() => parsePortSpecs(['abc']), { message: 'invalid containerPort: abc' });
});

test('env files and -e follow docker: comments skipped, bare names looked up', () => {
  assert.deepEqual(parseEnvFile('A=1\n# c\n  B=x y\nHOME\nNOPE\n\r\n', { env: { HOME: '/root' } }), ['A=1', 'B=x y', 'HOME=/root']);
  assert.throws(() => parseEnvFile('BAD NAME=1', { env: {} }), { message: "variable 'BAD NAME' contains whitespaces" });
  assert.equal(resolveEnvFlag('X', {}), 'X');
  assert.equal(resolveEnvFlag('X', { X: '1' }), 'X=1');
});

test('parseRestartPolicy splits name and count and leaves names to the daemon', () => {
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy('foo'), { Name: 'foo', MaximumRetryCount: 0 });
  assert.throws(() => parseRestartPolicy('on-failure:x'), { message: 'invalid restart policy format: maximum retry count must be an integer' });
});
