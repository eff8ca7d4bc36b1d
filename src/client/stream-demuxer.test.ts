import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamDemuxer, encodeFrame } from './stream-demuxer.js';

test('StreamDemuxer splits frames and routes them by stream id', () => {
  const d = new StreamDemuxer();
  const frames = d.push(Buffer.concat([encodeFrame(1, 'out\n'), encodeFrame(2, 'err\n')]));
  assert.deepEqual(
    frames.map((f) => [f.stream, f.payload.toString()]),
    [
      [1, 'out\n'],
      [2, 'err\n'],
    ],
  );
});

test('StreamDemuxer reassembles headers and payloads split across chunks', () => {
  const whole = Buffer.concat([encodeFrame(1, 'hello world'), encodeFrame(2, ''), encodeFrame(1, 'x')]);
  const d = new StreamDemuxer();
  const out: string[] = [];
  for (let i = 0; i < whole.length; i++) for (const f of d.push(whole.subarray(i, i + 1))) out.push(`${f.stream}:${f.payload}`);
  assert.deepEqual(out, ['1:hello world', '2:', '1:x']);
  assert.equal(d.hasPartialFrame(), false);
});

test('StreamDemuxer reports a truncated frame and rejects unknown stream ids', () => {
  const d = new StreamDemuxer();
  assert.deepEqual(d.push(encodeFrame(1, 'abcdef').subarray(0, 10)), []);
  assert.equal(d.hasPartialFrame(), true);
  assert.throws(() => new StreamDemuxer().push(Buffer.from([7, 0, 0, 0, 0, 0, 0, 0])), { message: 'Unrecognized input header: 7' });
});
