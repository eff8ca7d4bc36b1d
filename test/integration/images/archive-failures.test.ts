/**
 * save and load when things go wrong: a client that leaves in the middle of `docker save` (berthd
 * stays up and closes every layer file it opened), and archives that are corrupt, truncated or not
 * images (a 200 stream with the error in it, as dockerd answers; the CLIs exit 1; nothing stored).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { buildTar } from '../../../src/image/build-tar.js';
import { TestDaemon } from '../../kit/test-daemon.js';

/** The files under berthd's data root that berthd holds open. */
async function openDataFiles(d: TestDaemon): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir(`/proc/${d.pid}/fd`)) {
    const target = await readlink(`/proc/${d.pid}/fd/${fd}`).catch(() => '');
    if (target.startsWith(d.dataRoot)) out.push(target);
  }
  return out;
}

/** Reads `bytes` of a save archive, then drops the connection. */
function readSomeOfSave(d: TestDaemon, image: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, path: `/v1.45/images/${image}/get`, method: 'GET' }, (res) => {
      assert.equal(res.statusCode, 200);
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= bytes) {
          req.destroy();
          resolve(got);
        }
      });
      res.on('end', () => resolve(got));
      res.on('error', () => resolve(got));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('save and load failures', () => {
  let d: TestDaemon;
  before(async () => {
    d = await TestDaemon.start();
    // An image with a layer big enough that a save is still writing it when the client leaves.
    const layer = await buildTar([{ name: 'big', content: randomBytes(32 << 20) }]);
    const r = await d.docker(['import', '-', 'local/big:v1'], { input: layer, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.cleanup();
  });

  test('a client that leaves mid-save leaves berthd up with no layer file open', async () => {
    for (let i = 0; i < 3; i++) {
      const got = await readSomeOfSave(d, 'local/big:v1', 1 << 20);
      assert.ok(got >= 1 << 20 && got < 32 << 20, `read ${got} bytes before leaving`);
    }
    let open: string[] = [];
    for (let i = 0; i < 50; i++) {
      open = await openDataFiles(d);
      if (open.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(open, [], 'berthd still holds files of its data root open');
    assert.equal((await d.api('GET', '/_ping')).status, 200);
    assert.doesNotMatch(d.log, /uncaught|unhandled/i);
    // And a whole save still works afterwards.
    const whole = await readSomeOfSave(d, 'local/big:v1', Number.MAX_SAFE_INTEGER);
    assert.ok(whole > 32 << 20, `the whole archive is ${whole} bytes`);
  });

  const bad: { what: string; body: Buffer; message: RegExp }[] = [
    { what: 'random bytes', body: randomBytes(3000), message: /tar header|corrupt/i },
    { what: 'a truncated tar', body: Buffer.from('hello'), message: /end of data|unexpected/i },
    { what: 'a tar that holds no image', body: Buffer.alloc(0), message: /neither manifest.json \(Docker\) nor index.json \(OCI layout\)/ },
  ];
  for (const b of bad) {
    test(`load of ${b.what}: a 200 stream whose message says what is wrong, and the CLIs exit 1`, async () => {
      const body = b.body.length ? b.body : await buildTar([{ name: 'readme.txt', content: 'not an image' }]);
      const before = (await d.api('GET', '/v1.45/images/json?all=1')).json as unknown[];
      const r = await d.api('POST', '/v1.45/images/load', body, { 'Content-Type': 'application/x-tar' });
      assert.equal(r.status, 200);
      const lines = r.body.trim().split('\r\n').map((l) => JSON.parse(l) as { error?: string; errorDetail?: { message: string } });
      const last = lines.at(-1)!;
      assert.match(last.error ?? '', b.message);
      assert.equal(last.errorDetail?.message, last.error);
      for (const client of ['docker', 'berth'] as const) {
        const c = await d[client](['load'], { input: body });
        assert.equal(c.code, 1, `${client} load: ${c.stdout}${c.stderr}`);
        assert.match(c.stderr, b.message);
      }
      assert.equal(((await d.api('GET', '/v1.45/images/json?all=1')).json as unknown[]).length, before.length);
    });
  }
});
