import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedNano, readJsonLog, timeToNs, type LogReadOptions } from './json-log-reader.js';

const entry = (log: string, stream: 'stdout' | 'stderr', time: string) => JSON.stringify({ log, stream, time }) + '\n';
const base: LogReadOptions = { stdout: true, stderr: true, sinceNs: 0n, untilNs: 0n, tail: -1, timestamps: false, multiplexed: true, follow: false };

async function read(text: string, o: Partial<LogReadOptions>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-log-'));
  try {
    writeFileSync(join(dir, 'x.log'), text);
    const parts: Buffer[] = [];
    for await (const c of readJsonLog(join(dir, 'x.log'), { ...base, ...o })) parts.push(c);
    return Buffer.concat(parts);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

/** [stream, payload] of each 8-byte framed record. */
function frames(b: Buffer): [number, string][] {
  const out: [number, string][] = [];
  for (let i = 0; i < b.length; ) {
    const len = b.readUInt32BE(i + 4);
    out.push([b[i]!, b.subarray(i + 8, i + 8 + len).toString()]);
    i += 8 + len;
  }
  return out;
}

const log =
  entry('a\n', 'stdout', '2026-01-01T00:00:01Z') +
  entry('b\n', 'stdout', '2026-01-01T00:00:02.5Z') +
  entry('err "q" \\ \t\u0001\n', 'stderr', '2026-01-01T00:00:03.123456789Z') +
  entry('ünï', 'stdout', '2026-01-01T00:00:04Z') +
  '{"log":"odd order\\n","time":"2026-01-01T00:00:05Z","stream":"stdout"}\n' +
  '{"log":"torn';

test('readJsonLog frames consecutive entries of a stream together and decodes every escape', async () => {
  assert.deepEqual(frames(await read(log, {})), [
    [1, 'a\nb\n'],
    [2, 'err "q" \\ \t\u0001\n'],
    [1, 'ünïodd order\n'],
  ]);
});

test('readJsonLog keeps one stream, the last lines, and a time window', async () => {
  assert.deepEqual(frames(await read(log, { stdout: false })), [[2, 'err "q" \\ \t\u0001\n']]);
  assert.deepEqual(frames(await read(log, { tail: 2 })), [[1, 'ünïodd order\n']]);
  assert.deepEqual(frames(await read(log, { sinceNs: timeToNs('2026-01-01T00:00:02Z'), untilNs: timeToNs('2026-01-01T00:00:03.5Z') })), [
    [1, 'b\n'],
    [2, 'err "q" \\ \t\u0001\n'],
  ]);
});

test('readJsonLog prefixes timestamps with nine fraction digits and writes raw output for a TTY', async () => {
  assert.equal((await read(log, { timestamps: true, multiplexed: false, tail: 3 })).toString(),
    '2026-01-01T00:00:03.123456789Z err "q" \\ \t\u0001\n2026-01-01T00:00:04.000000000Z ünï2026-01-01T00:00:05.000000000Z odd order\n');
  assert.equal(fixedNano('2026-01-01T00:00:02.5Z'), '2026-01-01T00:00:02.500000000Z');
});
