import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { encodeFrame } from '../../client/index.js';
import { copyOutput } from './run-stream-session.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c) => (text += c));
  return { stream, text: () => text };
}

test('copyOutput sends stdout and stderr frames to their streams', async () => {
  const out = sink();
  const err = sink();
  const whole = Buffer.concat([encodeFrame(1, 'out1\n'), encodeFrame(2, 'err1\n'), encodeFrame(1, 'out2\n')]);
  await copyOutput(Readable.from([whole.subarray(0, 11), whole.subarray(11)]), { tty: false, stdout: out.stream, stderr: err.stream });
  assert.equal(out.text(), 'out1\nout2\n');
  assert.equal(err.text(), 'err1\n');
});

test('copyOutput copies a TTY stream unchanged and fails on a systemerr frame', async () => {
  const out = sink();
  await copyOutput(Readable.from([Buffer.from('\x01raw bytes')]), { tty: true, stdout: out.stream, stderr: out.stream });
  assert.equal(out.text(), '\x01raw bytes');
  await assert.rejects(copyOutput(Readable.from([encodeFrame(3, 'boom')]), { tty: false, stdout: out.stream, stderr: out.stream }), {
    message: 'Error from daemon in stream: boom',
  });
});
