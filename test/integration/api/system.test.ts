import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient } from '../../../src/client/engine-client.js';
import { parseDaemonAddress } from '../../../src/client/daemon-address.js';
import type { EventMessage } from '../../../src/api/types/index.js';
import { TestDaemon } from '../../kit/test-daemon.js';
import { freePort } from '../../kit/free-port.js';

describe('the Engine API: handshake, version, info, events, TCP', () => {
  let d: TestDaemon;
  let client: EngineClient;
  let port: number;
  before(async () => {
    port = await freePort();
    d = await TestDaemon.start({ extraArgs: ['-H', `tcp://127.0.0.1:${port}`] });
    client = new EngineClient(parseDaemonAddress(d.host));
  });
  after(async () => {
    client?.close();
    await d?.cleanup();
  });

  test('/_ping answers HEAD and GET with the headers clients read', async () => {
    for (const method of ['HEAD', 'GET']) {
      const r = await d.api(method, '/_ping');
      assert.equal(r.status, 200);
      assert.equal(r.body, method === 'GET' ? 'OK' : '');
      assert.equal(r.headers['api-version'], '1.45');
      assert.equal(r.headers.ostype, 'linux');
      assert.equal(r.headers['builder-version'], '1');
      assert.equal(r.headers['docker-experimental'], 'false');
    }
    assert.equal((await client.ping()).apiVersion, '1.45');
  });

  test('versioned and unversioned paths, within 1.24..1.45', async () => {
    for (const path of ['/version', '/v1.24/version', '/v1.41/version', '/v1.45/version']) {
      const r = await d.api('GET', path);
      assert.equal(r.status, 200, path);
      assert.equal((r.json as { ApiVersion: string }).ApiVersion, '1.45');
      assert.equal(r.headers['api-version'], path.startsWith('/v1.') ? path.slice(2, 6) : '1.45');
    }
    const v = await client.version();
    assert.equal(v.MinAPIVersion, '1.24');
    assert.equal(v.Os, 'linux');
    assert.ok(v.Components.some((c) => c.Name === 'Engine'));
  });

  test('/info counts containers and images and names the runtimes', async () => {
    await d.docker(['create', '--name', 'counted', 'busybox', 'true']);
    const info = await client.info();
    assert.equal(info.Containers, 1);
    assert.equal(info.ContainersStopped, 1);
    assert.equal(info.Images, 2);
    assert.equal(info.DefaultRuntime, 'berth');
    assert.ok('berth' in info.Runtimes && 'runc' in info.Runtimes);
    assert.equal(info.OSType, 'linux');
    assert.equal(info.DockerRootDir, d.dataRoot);
    await d.docker(['rm', 'counted']);
  });

  test('/events streams live events with filters, and replays with since/until', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const ac = new AbortController();
    const seen: EventMessage[] = [];
    const live = (async () => {
      try {
        for await (const e of client.events({ filters: { type: { container: true }, event: { start: true, die: true } }, signal: ac.signal })) {
          seen.push(e);
          if (seen.length === 2) ac.abort();
        }
      } catch {
        // aborted
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const r = await d.docker(['run', '--rm', '--name', 'evented', 'busybox', 'true']);
    assert.equal(r.code, 0);
    await Promise.race([live, new Promise((res) => setTimeout(res, 5000))]);
    assert.deepEqual(seen.map((e) => [e.Type, e.Action, e.Actor.Attributes.name]), [['container', 'start', 'evented'], ['container', 'die', 'evented']]);
    assert.equal(seen[1]!.Actor.Attributes.exitCode, '0');

    const until = Math.ceil(Date.now() / 1000) + 1;
    const past: string[] = [];
    for await (const e of client.events({ since: String(since), until: String(until), filters: { container: { evented: true } } })) past.push(e.Action);
    assert.deepEqual(past, ['create', 'attach', 'start', 'die', 'destroy']);
  });

  test('the same API over TCP on 127.0.0.1', async () => {
    const tcp = new EngineClient(parseDaemonAddress(`tcp://127.0.0.1:${port}`));
    try {
      assert.equal((await tcp.version()).ApiVersion, '1.45');
      const r = await d.docker(['-H', `tcp://127.0.0.1:${port}`, 'run', '--rm', 'busybox', 'echo', 'over-tcp']);
      assert.equal(r.stdout, 'over-tcp\n');
    } finally {
      tcp.close();
    }
  });
});
