import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { baseImageTars } from '../../kit/base-images.js';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

for (const client of ['docker', 'berth'] as const)
describe(`images through ${client}`, () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = async (args: string[], input?: Buffer) => {
    const r = await d[client](args, input ? { input } : {});
    assert.equal(r.code, 0, `${client} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('import a filesystem tarball with --change and -m, then run it', async () => {
    const tar = readFileSync((await baseImageTars()).busybox);
    const id = await ok(['import', '-c', 'ENTRYPOINT ["echo"]', '-c', 'CMD ["from-import"]', '-c', 'ENV PATH=/bin:/usr/bin', '-m', 'made here', '-', 'local/imported:v1'], tar);
    assert.match(id, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(await ok(['run', '--rm', 'local/imported:v1']), 'from-import\n');
    const [img] = JSON.parse(await ok(['image', 'inspect', 'local/imported:v1'])) as [Record<string, any>];
    assert.deepEqual(img.Config.Entrypoint, ['echo']);
    assert.deepEqual(img.RepoTags, ['local/imported:v1']);
    assert.equal(img.Os, 'linux');
    assert.equal(img.RootFS.Type, 'layers');
    assert.equal(img.RootFS.Layers.length, 1);
  });

  test('images lists repository, tag, id, created and size as docker does', async () => {
    const out = await ok(['images']);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.ok(lines.some((l) => /^busybox\s+latest\s+[0-9a-f]{12}\s+.+\s+\d+(\.\d+)?[kM]B$/.test(l)), out);
    assert.equal(await ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'hello-world']), 'hello-world:latest\n');
    assert.equal((await ok(['images', '-q'])).trim().split('\n').length, 3);
  });

  test('tag, rmi of a tag, rmi of an image a container uses', async () => {
    await ok(['tag', 'busybox', 'local/bb:second']);
    assert.equal(await ok(['images', '-q', 'local/bb:second']), await ok(['images', '-q', 'busybox']));
    assert.equal(await ok(['rmi', 'local/bb:second']), 'Untagged: local/bb:second\n');
    await ok(['create', '--name', 'user', 'hello-world']);
    const r = await d[client](['rmi', 'hello-world']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /conflict: unable to remove repository reference "hello-world" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}/);
    await ok(['rm', 'user']);
    assert.match(await ok(['rmi', 'hello-world']), /^Untagged: hello-world:latest\nDeleted: sha256:[0-9a-f]{64}\n/);
    const gone = await d[client](['image', 'inspect', 'hello-world']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No such image: hello-world/);
  });
});
