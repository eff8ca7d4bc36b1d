/**
 * The seed example: build an image with a small web server from a Dockerfile, run it with
 * a published port, and request it from the host, all with the real docker CLI against berthd.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../kit/free-port.js';
import { httpGetWhenUp } from '../../kit/http-get.js';
import { TestDaemon } from '../../kit/test-daemon.js';

describe('a built web server runs with a published port', () => {
  let d: TestDaemon;
  let dir: string;
  before(async () => {
    d = await TestDaemon.start();
    dir = await mkdtemp(join(tmpdir(), 'seed-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await d?.cleanup();
  });

  test('build, run -d --name web1 -p 127.0.0.1:PORT:8080, request it from the host', async () => {
    await writeFile(join(dir, 'index.html'), 'hello from a built image\n');
    await writeFile(join(dir, 'Dockerfile'), [
      'FROM busybox',
      'WORKDIR /www',
      'COPY index.html ./',
      'EXPOSE 8080',
      'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      '',
    ].join('\n'));
    const built = await d.docker(['build', '-t', 'seed/web:1', dir], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 60_000 });
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stdout, /Successfully tagged seed\/web:1/);
    const port = await freePort();
    const run = await d.docker(['run', '-d', '--name', 'web1', '-p', `127.0.0.1:${port}:8080`, 'seed/web:1']);
    assert.equal(run.code, 0, run.stderr);
    const got = await httpGetWhenUp(port);
    assert.deepEqual(got, { status: 200, body: 'hello from a built image\n' });
    assert.equal((await d.docker(['rm', '-f', 'web1'])).code, 0);
  });
});
