import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DetachKeyDetector, parseDetachKeys } from './detach-key-detector.js';

test('parseDetachKeys reads ctrl- names and single characters', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('a,ctrl-@,ctrl-[,ctrl-_')], [97, 0, 27, 31]);
  assert.throws(() => parseDetachKeys('bad'), { message: "Unknown character: 'bad'" });
});

test('DetachKeyDetector holds a partial sequence and releases it when broken', () => {
  const d = new DetachKeyDetector(parseDetachKeys('ctrl-p,ctrl-q'));
  assert.deepEqual(d.push(Buffer.from('ab\x10')), { forward: Buffer.from('ab'), detached: false });
  assert.deepEqual(d.push(Buffer.from('x')), { forward: Buffer.from('\x10x'), detached: false });
  assert.deepEqual(d.push(Buffer.from('\x10\x10')), { forward: Buffer.from('\x10'), detached: false });
  assert.deepEqual(d.push(Buffer.from('\x11rest')), { forward: Buffer.from(''), detached: true });
});
