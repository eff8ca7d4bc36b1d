import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readUpgradeBody } from './upgrade-body.js';

/** A connected socket pair: what the client writes arrives on `server`. */
async function pair(): Promise<{ client: Socket; server: Socket; done: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ub-'));
  const path = join(dir, 's');
  const srv = createServer({ pauseOnConnect: true });
  await new Promise<void>((r) => srv.listen(path, r));
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const client = connect(path);
  const server = await accepted;
  return { client, server, done: () => { client.destroy(); server.destroy(); srv.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('readUpgradeBody reads a Content-Length body and leaves what follows in the socket', async () => {
  const p = await pair();
  try {
    p.client.write('tach":false}first input');
    const body = await readUpgradeBody(p.server, { head: Buffer.from('{"De'), headers: { 'content-length': '16' }, limit: 100, idleMs: 1000 });
    assert.equal(body.toString(), '{"Detach":false}');
    const rest = await new Promise<string>((r) => p.server.once('readable', () => r(String(p.server.read()))));
    assert.equal(rest, 'first input');
  } finally {
    p.done();
  }
});

test('readUpgradeBody decodes a chunked body (dockerode sends one with Upgrade: tcp)', async () => {
  const p = await pair();
  try {
    p.client.write('4\r\n{"De\r\nC;ext=1\r\ntach":false}\r\n0\r\n\r\n');
    const body = await readUpgradeBody(p.server, { head: Buffer.alloc(0), headers: { 'transfer-encoding': 'chunked' }, limit: 100, idleMs: 1000 });
    assert.equal(body.toString(), '{"Detach":false}');
  } finally {
    p.done();
  }
});

test('readUpgradeBody refuses a body over the limit (413), a malformed chunk (400) and a stall (408)', async () => {
  for (const [data, headers, re] of [
    ['', { 'content-length': '1000' }, /request body too large/],
    ['ffff\r\n', { 'transfer-encoding': 'chunked' }, /request body too large/],
    ['zz\r\n', { 'transfer-encoding': 'chunked' }, /malformed chunked request body/],
    ['{"a"', { 'content-length': '10' }, /the client sent no part of the request body for 0.05 s/],
  ] as const) {
    const p = await pair();
    try {
      if (data) p.client.write(data);
      await assert.rejects(readUpgradeBody(p.server, { head: Buffer.alloc(0), headers, limit: 100, idleMs: 50 }), re);
    } finally {
      p.done();
    }
  }
});
