import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import tar from 'tar-stream';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';
import { okWith, sleep, until } from './ops-kit.js';

type Entry = Parameters<tar.Pack['entry']>[0] & { body?: string };

/** A tar of `entries`, built in memory. */
async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry(h, cb);
      else pack.entry(h, body, cb);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** A directory `dir` holding `n` small files f0000… whose content is their number. */
function manyFiles(dir: string, n: number): Promise<Buffer> {
  const files: Entry[] = [];
  for (let i = 0; i < n; i++) files.push({ name: `${dir}/f${String(i).padStart(4, '0')}`, body: `${i}\n`, mode: 0o644 });
  return tarOf([{ name: `${dir}/`, type: 'directory', mode: 0o755 }, ...files]);
}

/** A PUT archive whose body is sent in parts: `send` more, `end` it, or `cut` the connection. */
function upload(d: TestDaemon, id: string, path: string) {
  const put = request({ socketPath: d.socket, method: 'PUT', path: `/containers/${id}/archive?path=${path}`, headers: { 'Content-Type': 'application/x-tar' } });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    put.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    put.on('error', reject);
  });
  answered.catch(() => {});
  return {
    send: (b: Buffer) => void put.write(b),
    end: (b: Buffer) => {
      put.end(b);
      return answered;
    },
    cut: () => put.destroy(),
  };
}

/** The first half of a tar, cut at a block boundary, and the rest. */
function halves(archive: Buffer): [Buffer, Buffer] {
  const half = Math.floor(archive.length / 2 / 512) * 512;
  return [archive.subarray(0, half), archive.subarray(half)];
}

/** Mounts berthd made for a copy into a stopped container (its private view of the root), still there. */
function copyMountsOf(d: TestDaemon): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes('berth-rootfs-') && l.includes(d.dir));
}

describe('docker cp into a container against its start, and device nodes and FIFOs', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));
  const ok = okWith(() => d);

  test('a start issued during an upload waits for it and sees every file; an upload during a start goes into the running container', async () => {
    // The process records what it finds at its start.
    const id = (await ok(['create', '--name', 'race', 'busybox', 'sh', '-c', 'ls /up 2>/dev/null | wc -l > /seen; exec sleep 300'])).trim();
    const archive = await manyFiles('up', 3000);
    // The upload's body is sent in two parts, with a start issued in between.
    const put = upload(d, id, '/');
    const [first, rest] = halves(archive);
    put.send(first);
    await until('the upload to begin', async () => copyMountsOf(d).length > 0);
    let startDone = false;
    const start = d.docker(['start', 'race'], { timeoutMs: 60_000 }).finally(() => (startDone = true));
    await sleep(1000);
    assert.equal(startDone, false, 'the start waits for the upload');
    assert.equal((await ok(['inspect', '-f', '{{.State.Status}}', 'race'])).trim(), 'created');
    const r = await put.end(rest);
    assert.equal(r.status, 200, r.body);
    const started = await start;
    assert.equal(started.code, 0, started.stderr);
    await until('the process to look', async () => (await d.docker(['exec', 'race', 'test', '-s', '/seen'])).code === 0);
    assert.equal((await ok(['exec', 'race', 'cat', '/seen'])).trim(), '3000', 'the process saw every file at its start');
    assert.equal(await ok(['exec', 'race', 'cat', '/up/f0000', '/up/f2999']), '0\n2999\n');

    // Uploads and starts issued together, several times: both succeed whichever comes first,
    // and the files are in the running container.
    for (let round = 0; round < 3; round++) {
      await ok(['stop', '-t', '0', 'race']);
      const [s, c] = await Promise.all([
        d.docker(['start', 'race'], { timeoutMs: 60_000 }),
        d.docker(['cp', '-', `race:/`], { input: await manyFiles(`r${round}`, 800), timeoutMs: 60_000 }),
      ]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(c.code, 0, c.stderr);
      assert.equal((await ok(['exec', 'race', 'sh', '-c', `ls /r${round} | wc -l; cat /r${round}/f0799`])).trim(), '800\n799');
    }
    assert.equal((await ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}}', 'race'])).trim(), 'running true');
    assert.deepEqual(copyMountsOf(d), [], 'no copy left its mount behind');
    await ok(['restart', '-t', '0', 'race']);
    assert.equal((await ok(['exec', 'race', 'sh', '-c', 'ls /up | wc -l; ls /r2 | wc -l'])).trim(), '3000\n800', 'the files survive a restart');
    await ok(['rm', '-f', 'race']);
  });

  test('an upload cut off by its client, or raced by rm -f, leaves no mount and no lock behind', async () => {
    const archive = await manyFiles('up', 3000);
    const [first, rest] = halves(archive);
    const cutId = (await ok(['create', '--name', 'cut', 'busybox', 'true'])).trim();
    const cut = upload(d, cutId, '/');
    cut.send(first);
    await until('the upload to begin', async () => copyMountsOf(d).length > 0);
    cut.cut();
    await until('the cut-off upload to let go', async () => copyMountsOf(d).length === 0);
    const started = await d.docker(['start', '-a', 'cut'], { timeoutMs: 20_000 });
    assert.equal(started.code, 0, `the container starts after a cut-off upload: ${started.stderr}`);
    await ok(['rm', 'cut']);

    const rmId = (await ok(['create', '--name', 'gone', 'busybox', 'true'])).trim();
    const put = upload(d, rmId, '/');
    put.send(first);
    await until('the upload to begin', async () => copyMountsOf(d).length > 0);
    let rmDone = false;
    const rm = d.docker(['rm', '-f', 'gone'], { timeoutMs: 60_000 }).finally(() => (rmDone = true));
    await sleep(500);
    assert.equal(rmDone, false, 'rm -f waits for the upload');
    // A start issued after the rm -f: it finds the container removed, and does not bring its record back.
    const start = d.docker(['start', 'gone'], { timeoutMs: 60_000 });
    await sleep(300);
    const r = await put.end(rest);
    assert.equal(r.status, 200, r.body);
    const removed = await rm;
    assert.equal(removed.code, 0, removed.stderr);
    const late = await start;
    assert.equal(late.code, 1);
    assert.match(late.stderr, /is marked for removal and cannot be started|No such container/);
    assert.equal((await d.docker(['inspect', 'gone'])).code, 1);
    assert.equal(await ok(['ps', '-aq', '--filter', `id=${rmId}`]), '');
    assert.deepEqual(copyMountsOf(d), []);
  });

  const nodes = (dir: string) => tarOf([
    { name: `${dir}/`, type: 'directory', mode: 0o755 },
    { name: `${dir}/fifo`, type: 'fifo', mode: 0o640, uid: 12, gid: 34 },
    { name: `${dir}/null`, type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, uid: 12, gid: 34 },
    { name: `${dir}/loop`, type: 'block-device', devmajor: 7, devminor: 0, mode: 0o600, uid: 0, gid: 0 },
  ]);
  const described = (dir: string) => [
    `${dir}/fifo fifo 0 0 640 12:34`,
    `${dir}/null character special file 1 3 666 12:34`,
    `${dir}/loop block special file 7 0 600 0:0`,
  ].join('\n') + '\n';
  const statOf = (dir: string) => ['exec', 'nodes', 'stat', '-c', '%n %F %t %T %a %u:%g', `${dir}/fifo`, `${dir}/null`, `${dir}/loop`];

  test('FIFOs and device nodes in an upload are created, in a running and a stopped container, never outside it', async () => {
    const hostSide = join(d.dir, 'nodes-host');
    mkdirSync(hostSide, { recursive: true });
    await ok(['run', '-d', '--name', 'nodes', 'busybox', 'sh', '-c', `mkdir -p /x ${hostSide} && ln -s ${hostSide} /x/abs && exec sleep 300`]);
    await until('the symlink', async () => (await d.docker(['exec', 'nodes', 'test', '-L', '/x/abs'])).code === 0);
    const first = await d.docker(['cp', '-', 'nodes:/'], { input: await nodes('live') });
    assert.equal(first.code, 0, first.stderr);
    const cp = await d.docker(['cp', '-', 'nodes:/'], { input: await nodes('live') });
    assert.equal(cp.code, 0, `copied again over the same nodes: ${cp.stderr}`);
    assert.equal(await ok(statOf('/live')), described('/live'));
    // The null device works as one inside.
    assert.equal(await ok(['exec', 'nodes', 'sh', '-c', 'echo gone > /live/null && wc -c < /live/null']), '0\n');
    // Through a symlink to an absolute path: the container's path, never the host's.
    const viaLink = await d.docker(['cp', '-', 'nodes:/x/abs'], { input: await nodes('n') });
    assert.equal(viaLink.code, 0, viaLink.stderr);
    assert.equal(await ok(statOf(`${hostSide}/n`)), described(`${hostSide}/n`));
    assert.ok(!existsSync(join(hostSide, 'n')), 'nothing is created on the host');
    await ok(['stop', '-t', '0', 'nodes']);
    const stopped = await d.docker(['cp', '-', 'nodes:/'], { input: await nodes('stopped') });
    assert.equal(stopped.code, 0, stopped.stderr);
    await ok(['start', 'nodes']);
    assert.equal(await ok(statOf('/stopped')), described('/stopped'));
    await ok(['rm', '-f', 'nodes']);
  });
});
