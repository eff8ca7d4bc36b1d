import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterRegExp, parseTimestamp } from './system.js';

test('parseTimestamp reads Docker\'s forms and refuses the rest', () => {
  assert.equal(parseTimestamp('1700000000'), 1_700_000_000_000_000_000n);
  assert.equal(parseTimestamp('1700000000.5'), 1_700_000_000_500_000_000n);
  assert.equal(parseTimestamp('2024-01-02T03:04:05Z'), BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n);
  assert.equal(parseTimestamp(''), undefined);
  const tenMinutesAgo = Number(parseTimestamp('10m')! / 1_000_000n);
  assert.ok(Math.abs(Date.now() - 600_000 - tenMinutesAgo) < 5000);
  for (const v of ['garbage', '-5', '5x', '2024-13-45', '1 2 3', 'yesterday']) assert.throws(() => parseTimestamp(v, 'since'), new RegExp(`invalid value for since: "${v}"`));
});

test('filterRegExp matches in linear time and refuses what is no regular expression', () => {
  const t0 = Date.now();
  assert.equal(filterRegExp('^(a+)+$', 'name').test(`${'a'.repeat(5000)}b`), false);
  assert.ok(Date.now() - t0 < 1000);
  assert.ok(filterRegExp('^/web', 'name').test('/web-1'));
  assert.throws(() => filterRegExp('(', 'name'), /invalid filter 'name=\('/);
});
