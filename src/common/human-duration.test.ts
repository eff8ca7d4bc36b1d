import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from './human-duration.js';

test('humanDuration words durations as Docker does', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(59_000), '59 seconds');
  assert.equal(humanDuration(61_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(3_600_000), 'About an hour');
  assert.equal(humanDuration(90 * 60_000), '2 hours');
  assert.equal(humanDuration(47 * 3_600_000), '47 hours');
  assert.equal(humanDuration(3 * 86_400_000), '3 days');
  assert.equal(humanDuration(50 * 3600_000), '2 days');
  assert.equal(humanDuration(15 * 86400_000), '2 weeks');
  assert.equal(humanDuration(70 * 86400_000), '2 months');
  assert.equal(humanDuration(800 * 86400_000), '2 years');
});
