import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { JsonMessageError, readJsonMessages } from './read-json-messages.js';
import { JsonStreamSplitter, readJsonStream } from './json-stream-splitter.js';

test('JsonStreamSplitter accepts \\r\\n, \\n and no separator, with values split anywhere', () => {
  const text = '{"a":1}\r\n{"b":"}{\\"x"}\n{"c":[1,{"d":2}]}{"e":"é"}';
  const bytes = Buffer.from(text);
  const s = new JsonStreamSplitter();
  const values: unknown[] = [];
  for (let i = 0; i < bytes.length; i += 3) values.push(...s.push(bytes.subarray(i, i + 3)));
  s.end();
  assert.deepEqual(values, [{ a: 1 }, { b: '}{"x' }, { c: [1, { d: 2 }] }, { e: 'é' }]);
});

test('JsonStreamSplitter fails on garbage and on a truncated value', () => {
  assert.throws(() => new JsonStreamSplitter().push('nope'), SyntaxError);
  const s = new JsonStreamSplitter();
  s.push('{"a":');
  assert.throws(() => s.end(), { message: 'unexpected end of JSON input' });
});

test('readJsonStream yields values from a stream', async () => {
  const values = [];
  for await (const v of readJsonStream(Readable.from([Buffer.from('{"x":1}\n{"x'), Buffer.from('":2}\n')]))) values.push(v);
  assert.deepEqual(values, [{ x: 1 }, { x: 2 }]);
});

test('readJsonMessages turns an errorDetail message into an error', async () => {
  const stream = Readable.from([
    Buffer.from('{"status":"Pulling from library/x","id":"latest"}\r\n{"errorDetail":{"message":"denied"},"error":"denied"}\r\n'),
  ]);
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const m of readJsonMessages(stream)) seen.push(m.status ?? '');
    })(),
    (err: unknown) => err instanceof JsonMessageError && err.message === 'denied',
  );
  assert.deepEqual(seen, ['Pulling from library/x']);
});
