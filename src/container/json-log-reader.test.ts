import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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

test('readJsonLog reads the rotated files (plain and gzipped) oldest first, and --tail reaches back into them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-log-'));
  try {
    const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(`${from + i}\n`, 'stdout', '2026-01-01T00:00:01Z')).join('');
    const path = join(dir, 'x.log');
    writeFileSync(`${path}.3.gz`, gzipSync(lines(1, 3)));
    writeFileSync(`${path}.2`, lines(4, 6));
    writeFileSync(`${path}.2.gz`, 'being written: ignored while the plain file is there');
    writeFileSync(`${path}.1.gz`, gzipSync(lines(7, 9)));
    writeFileSync(path, lines(10, 11));
    const text = async (o: Partial<LogReadOptions>) => {
      const parts: Buffer[] = [];
      for await (const c of readJsonLog(path, { ...base, multiplexed: false, ...o })) parts.push(c);
      return Buffer.concat(parts).toString().split('\n').filter(Boolean).join(',');
    };
    assert.equal(await text({}), '1,2,3,4,5,6,7,8,9,10,11');
    assert.equal(await text({ tail: 1 }), '11');
    assert.equal(await text({ tail: 4 }), '8,9,10,11');
    assert.equal(await text({ tail: 7 }), '5,6,7,8,9,10,11');
    assert.equal(await text({ tail: 50 }), '1,2,3,4,5,6,7,8,9,10,11');
  } finally {
    rmSync(dir, { recursive: true });
  }
});
