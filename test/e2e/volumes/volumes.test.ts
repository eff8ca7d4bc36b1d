import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../kit/run.js';
import { TestDaemon } from '../../kit/test-daemon.js';

describe('volumes and mounts', () => {
  let d: TestDaemon;
  /** Host directories the tests bind or try to escape to (under the daemon's dir: cleaned with it). */
  let host: string;
  before(async () => {
    d = await TestDaemon.start();
    host = join(d.dir, 'host');
    await mkdir(host, { recursive: true });
  });
  after(async () => {
    await d?.cleanup();
  });

  const ok = async (args: string[], client: 'docker' | 'berth' = 'docker') => {
    const r = await d[client](args);
    assert.equal(r.code, 0, `${client} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (args: string[], message: RegExp) => {
    const r = await d.docker(args);
    assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail`);
    assert.match(r.stderr, message);
  };
  const volumeNames = async () => (await ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean);

  for (const client of ['docker', 'berth'] as const) {
    test(`${client} volume create/ls/inspect/rm/prune with labels and filters`, async () => {
      assert.equal(await ok(['volume', 'create', '--label', 'app=x', `lv-${client}`], client), `lv-${client}\n`);
      await ok(['volume', 'create', `lw-${client}`], client);
      assert.equal(await ok(['volume', 'inspect', '-f', '{{.Driver}} {{.Labels.app}} {{.Mountpoint}}', `lv-${client}`], client),
        `local x ${d.dataRoot}/volumes/lv-${client}/_data\n`);
      assert.equal(await ok(['volume', 'ls', '-q', '--filter', 'label=app=x'], client), `lv-${client}\n`);
      assert.equal(await ok(['volume', 'ls', '-q', '--filter', `name=lw-${client}`], client), `lw-${client}\n`);
      const missing = await d[client](['volume', 'inspect', 'nope']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /get nope: no such volume/);
      assert.equal(await ok(['volume', 'rm', `lw-${client}`], client), `lw-${client}\n`);
      // Named volumes survive a plain prune (API >= 1.42); --all takes them.
      await ok(['volume', 'prune', '-f'], client);
      assert.ok((await volumeNames()).includes(`lv-${client}`));
      assert.match(await ok(['volume', 'prune', '-af', '--filter', 'label=app=x'], client), new RegExp(`Deleted Volumes:\nlv-${client}\n`));
      assert.ok(!(await volumeNames()).includes(`lv-${client}`));
    });
  }

  test('volume create refuses bad names and options as Docker does, and mounts a tmpfs from -o', async () => {
    await fails(['volume', 'create', 'a b'], /create a b: "a b" includes invalid characters for a local volume name/);
    await fails(['volume', 'create', '-o', 'foo=bar', 'xx'], /create xx: invalid option: "foo"/);
    await fails(['volume', 'create', '-o', 'type=none', 'xx'], /missing required option: "device"/);
    await ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=4m', 'tv']);
    assert.match(await ok(['run', '--rm', '-v', 'tv:/t', 'busybox', 'df', '/t']), /tmpfs\s+4096 /);
    assert.ok(!readFileSyncMountinfo().includes(`${d.dataRoot}/volumes/tv/_data`), 'unmounted after the last user stopped');
    await ok(['volume', 'rm', 'tv']);
  });

  test('a volume written by one container is read by the next, survives removal and a daemon restart, and refuses writes when :ro', async () => {
    await ok(['run', '--name', 'w1', '-v', 'data1:/data', 'busybox', 'sh', '-c', 'echo hello > /data/f']);
    await ok(['rm', 'w1']);
    assert.equal(await ok(['run', '--rm', '-v', 'data1:/data', 'busybox', 'cat', '/data/f']), 'hello\n');
    const ro = await d.docker(['run', '--rm', '-v', 'data1:/data:ro', 'busybox', 'sh', '-c', 'echo x > /data/g']);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    await ok(['run', '-d', '--name', 'user1', '-v', 'data1:/data', 'busybox', 'sleep', '60']);
    // A container whose tmpfs volume is mounted exits while berthd is down: the volume is unmounted after the restart.
    await ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'tvr']);
    await ok(['run', '-d', '--name', 'gone', '-v', 'tvr:/t', 'busybox', 'sleep', '1']);
    assert.ok(readFileSyncMountinfo().includes(`${d.dataRoot}/volumes/tvr/_data`));
    await d.kill9();
    await new Promise((r) => setTimeout(r, 1500));
    await d.restart();
    assert.equal(await ok(['inspect', '-f', '{{.State.Status}}', 'gone']), 'exited\n');
    assert.ok(!readFileSyncMountinfo().includes(`${d.dataRoot}/volumes/tvr/_data`));
    await ok(['rm', '-v', 'gone']);
    await ok(['volume', 'rm', 'tvr']);
    // In use after the restart too: the reference comes back from the container's record.
    const inUse = await d.api('DELETE', '/volumes/data1');
    assert.equal(inUse.status, 409);
    assert.match((inUse.json as { message: string }).message, /^remove data1: volume is in use - \[[0-9a-f]{64}\]$/);
    assert.equal(await ok(['exec', 'user1', 'cat', '/data/f']), 'hello\n');
    await ok(['rm', '-f', 'user1']);
    assert.equal((await d.api('DELETE', '/volumes/data1')).status, 204);
    assert.match(await ok(['system', 'df']), /Local Volumes\s+0\s+0\s+0B/);
  });

  test('a named volume is filled from the image with owners and modes, once, and not when nocopy', async () => {
    await ok(['run', '--name', 'mk', 'busybox', 'sh', '-c', 'mkdir -p /app/sub && echo img > /app/sub/f && ln -s sub/f /app/link && chown -R 1234:5678 /app && chmod 750 /app']);
    await ok(['commit', 'mk', 'appimg']);
    await ok(['rm', 'mk']);
    await ok(['run', '--rm', '-v', 'pre:/app', 'appimg', 'true']);
    const data = `${d.dataRoot}/volumes/pre/_data`;
    const st = statSync(data);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1234, 5678, 0o750]);
    assert.equal(statSync(join(data, 'sub/f')).uid, 1234);
    assert.equal(await readFile(join(data, 'link'), 'utf8'), 'img\n');
    assert.equal(await ok(['run', '--rm', '-v', 'pre:/app', 'appimg', 'sh', '-c', 'rm /app/sub/f; echo mine > /app/mine; ls /app']), 'link\nmine\nsub\n');
    assert.equal(await ok(['run', '--rm', '-v', 'pre:/app', 'appimg', 'ls', '/app']), 'link\nmine\nsub\n', 'a volume with content is not filled again');
    assert.equal(await ok(['run', '--rm', '--mount', 'type=volume,src=empty,dst=/app,volume-nocopy', 'appimg', 'ls', '/app']), '');
    await ok(['volume', 'rm', 'pre', 'empty']);
  });

  test('anonymous volumes from VOLUME and -v /path: kept by rm, removed by rm -v and --rm; named ones stay', async () => {
    await ok(['run', '--name', 'mkv', 'busybox', 'true']);
    await ok(['commit', '--change', 'VOLUME /anon', 'mkv', 'volimg']);
    await ok(['rm', 'mkv']);
    const before = new Set(await volumeNames());
    const fresh = async () => (await volumeNames()).filter((n) => !before.has(n));
    await ok(['create', '--name', 'a1', '-v', '/extra', '-v', 'keepme:/k', 'volimg', 'true']);
    const mounts = JSON.parse(await ok(['inspect', '-f', '{{json .Mounts}}', 'a1'])) as { Type: string; Name: string; Destination: string; Mode: string; RW: boolean }[];
    assert.deepEqual(mounts.map((m) => [m.Type, m.Destination, m.Mode, m.RW]), [['volume', '/anon', '', true], ['volume', '/extra', '', true], ['volume', '/k', 'z', true]]);
    assert.equal((await fresh()).length, 3);
    await ok(['rm', '-v', 'a1']);
    assert.deepEqual(await fresh(), ['keepme']);
    await ok(['create', '--name', 'a2', 'volimg', 'true']);
    await ok(['rm', 'a2']);
    assert.equal((await fresh()).length, 2, 'rm without -v keeps the anonymous volume');
    await ok(['volume', 'prune', '-f']);
    assert.deepEqual(await fresh(), ['keepme']);
    await ok(['run', '--rm', '-v', '/tmpvol', 'volimg', 'true']);
    assert.deepEqual(await fresh(), ['keepme'], '--rm removes the anonymous volumes');
    await ok(['volume', 'rm', 'keepme']);
  });

  test('binds: read-only refuses writes, a missing host path is made for -v and refused for --mount', async () => {
    await writeFile(join(host, 'hf'), 'from host\n');
    assert.equal(await ok(['run', '--rm', '-v', `${host}:/h:ro`, 'busybox', 'cat', '/h/hf']), 'from host\n');
    assert.equal(await ok(['run', '--rm', '-v', `${host}/hf:/etc/hf:ro`, 'busybox', 'cat', '/etc/hf']), 'from host\n', 'a file bound onto a file');
    const r = await d.docker(['run', '--rm', '-v', `${host}:/h:ro,z`, 'busybox', 'touch', '/h/new']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Read-only file system/);
    await ok(['run', '--rm', '--mount', `type=bind,src=${host},dst=/h`, 'busybox', 'touch', '/h/rw']);
    assert.ok(existsSync(join(host, 'rw')));
    await ok(['run', '--rm', '-v', `${host}/made/deep:/m`, 'busybox', 'true']);
    assert.ok(statSync(join(host, 'made/deep')).isDirectory());
    await fails(['run', '--rm', '--mount', `type=bind,src=${host}/nope,dst=/m`, 'busybox', 'true'],
      new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${host}/nope`));
    await fails(['run', '--rm', '-v', 'x1:/a', '-v', 'x2:/a', 'busybox', 'true'], /Duplicate mount point: \/a/);
    const inspect = JSON.parse(await ok(['create', '--name', 'bi', '--mount', `type=bind,src=${host},dst=/h,readonly,bind-propagation=rslave`, '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', 'busybox']).then(() => ok(['inspect', '-f', '{{json .Mounts}}', 'bi'])));
    assert.deepEqual(inspect, [
      { Type: 'bind', Source: host, Destination: '/h', Mode: '', RW: false, Propagation: 'rslave' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ]);
    await ok(['rm', 'bi']);
  });

  test('--mount tmpfs and volume with options, --tmpfs, and --volumes-from with :ro', async () => {
    const out = await ok(['run', '--rm', '--mount', 'type=tmpfs,dst=/t,tmpfs-size=2m', '--tmpfs', '/tt:size=3m',
      '--mount', 'type=volume,src=mv,dst=/v,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=5m,volume-label=k=v',
      'busybox', 'sh', '-c', 'df -k /t /tt /v | tail -3']);
    assert.match(out, /tmpfs\s+2048 .*\/t\n.*tmpfs\s+3072 .*\/tt\n.*tmpfs\s+5120 .*\/v/);
    assert.equal(await ok(['volume', 'inspect', '-f', '{{.Labels.k}} {{.Options.o}}', 'mv']), 'v size=5m\n');
    await ok(['run', '-d', '--name', 'src', '-v', 'shared:/s', 'busybox', 'sh', '-c', 'echo s > /s/f; sleep 60']);
    assert.equal(await ok(['run', '--rm', '--volumes-from', 'src', 'busybox', 'cat', '/s/f']), 's\n');
    const ro = await d.docker(['run', '--rm', '--volumes-from', 'src:ro', 'busybox', 'touch', '/s/g']);
    assert.match(ro.stderr, /Read-only file system/);
    await ok(['rm', '-f', 'src']);
    await ok(['volume', 'rm', 'mv', 'shared']);
  });

  test('a mount target that is a symlink out of the root in the image stays inside the root', async () => {
    const outside = join(host, 'escape');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'hostfile'), 'h');
    await ok(['run', '--name', 'mks', 'busybox', 'sh', '-c', `ln -s ${outside} /link && ln -s ../../../..${outside} /rel && mkdir -p ${outside} && echo img > ${outside}/imgfile`]);
    await ok(['commit', 'mks', 'symimg']);
    await ok(['rm', 'mks']);
    assert.equal(await ok(['run', '--rm', '-v', 'esc:/link', 'symimg', 'sh', '-c', 'echo w > /link/written; ls /link']), 'imgfile\nwritten\n');
    await ok(['run', '--rm', '-v', `${host}:/rel`, 'symimg', 'true']);
    await ok(['run', '--rm', '--mount', 'type=tmpfs,dst=/link', 'symimg', 'true']);
    assert.deepEqual(readdirSync(outside), ['hostfile'], 'nothing mounted or written on the host path');
    assert.ok(!readFileSyncMountinfo().includes(outside));
    await ok(['volume', 'rm', 'esc']);
  });

  test('volume events, and commit and export leave volume contents out', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await ok(['run', '--name', 'ev', '-v', 'evv:/data', 'busybox', 'sh', '-c', 'echo secret > /data/s; echo layer > /l']);
    const tar = await run('sh', ['-c', `DOCKER_HOST=${d.host} docker export ev | tar -t`]);
    assert.match(tar.stdout, /^l$/m);
    assert.doesNotMatch(tar.stdout, /data\/s/);
    await ok(['commit', 'ev', 'evimg']);
    assert.equal(await ok(['run', '--rm', 'evimg', 'ls', '-A', '/data']), '');
    await ok(['rm', 'ev']);
    await ok(['volume', 'rm', 'evv']);
    const events = await ok(['events', '--since', since, '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'volume=evv', '--format', '{{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "container" | len}}']);
    assert.deepEqual(events.split('\n').filter(Boolean), ['create evv 0', 'mount evv 64', 'unmount evv 64', 'destroy evv 0']);
  });

  test('docker-py: client.volumes create, list, get, remove', async () => {
    const script = [
      'import docker, sys',
      'c = docker.DockerClient(base_url=sys.argv[1])',
      "v = c.volumes.create(name='pyvol', driver='local', labels={'a': 'b'})",
      "assert v.name == 'pyvol' and v.attrs['Labels'] == {'a': 'b'}, v.attrs",
      "assert 'pyvol' in [x.name for x in c.volumes.list(filters={'label': 'a=b'})]",
      "g = c.volumes.get('pyvol')",
      "assert g.attrs['Mountpoint'].endswith('/volumes/pyvol/_data')",
      "out = c.containers.run('busybox', 'sh -c \"echo py > /d/f; cat /d/f\"', volumes={'pyvol': {'bind': '/d', 'mode': 'rw'}}, remove=True)",
      "assert out == b'py\\n', out",
      'g.remove()',
      'try:',
      "    c.volumes.get('pyvol')",
      "    raise SystemExit('still there')",
      'except docker.errors.NotFound:',
      "    print('ok')",
    ].join('\n');
    const r = await run('/usr/bin/python3', ['-c', script, d.host], { timeoutMs: 60_000 });
    assert.equal(r.stdout, 'ok\n', r.stderr);
  });
});

function readFileSyncMountinfo(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8');
}
