import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSettings, mergeLogConfig } from './log-config.js';

test('logSettings bounds json-file logs by default and takes max-size, max-file and compress', () => {
  assert.deepEqual(logSettings({ type: 'json-file', config: {} }).rotation, { maxSize: 10 << 20, maxFiles: 3, compress: false });
  assert.deepEqual(logSettings({ type: '', config: { 'max-size': '1m', 'max-file': '5', compress: 'true' } }).rotation, { maxSize: 1 << 20, maxFiles: 5, compress: true });
  assert.deepEqual(logSettings({ type: 'json-file', config: { 'max-size': '-1' } }).rotation, { maxSize: 0, maxFiles: 1, compress: false });
  assert.deepEqual(logSettings({ type: 'local', config: {} }).rotation, { maxSize: 20 << 20, maxFiles: 5, compress: true });
  assert.equal(logSettings({ type: 'none', config: {} }).driver, 'none');
  assert.throws(() => logSettings({ type: 'syslog', config: {} }), /no log driver named 'syslog' is registered/);
  assert.throws(() => logSettings({ type: 'json-file', config: { 'max-bytes': '1' } }), /unknown log opt 'max-bytes' for json-file log driver/);
  assert.throws(() => logSettings({ type: 'json-file', config: { 'max-file': '0', 'max-size': '1k' } }), /max-file cannot be less than 1/);
});

test('mergeLogConfig puts the daemon\'s options under the container\'s, for the same driver only', () => {
  const daemon = { type: 'json-file', config: { 'max-size': '5m', 'max-file': '2' } };
  assert.deepEqual(mergeLogConfig({ type: '', config: { 'max-file': '4' } }, daemon), { type: 'json-file', config: { 'max-size': '5m', 'max-file': '4' } });
  assert.deepEqual(mergeLogConfig({ type: 'local', config: {} }, daemon), { type: 'local', config: {} });
});
