import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TestDaemon } from '../../kit/test-daemon.js';

type Entry = string | { link: string } | { content: string; mode: number };

/** A context directory from a table of files (`a/b.txt: 'text'`, links, modes). */
async function context(files: Record<string, Entry>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bctx-'));
  for (const [name, e] of Object.entries(files)) {
    const p = join(dir, name);
    await mkdir(dirname(p), { recursive: true });
    if (typeof e === 'string') await writeFile(p, e);
    else if ('link' in e) await symlink(e.link, p);
    else await writeFile(p, e.content, { mode: e.mode });
  }
  return dir;
}

const classic = { DOCKER_BUILDKIT: '0' };
/** What the test's web server answers, and its digest for ADD --checksum. */
const webDigest = `sha256:${createHash('sha256').update('from the web\n').digest('hex')}`;

describe('docker build (classic builder) and berth build', () => {
  let d: TestDaemon;
  const dirs: string[] = [];
  let server: Server;
  let port = 0;
  before(async () => {
    d = await TestDaemon.start();
    // ADD of a URL: a server on loopback only.
    server = createServer((_req, res) => res.end('from the web\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.close();
    await d?.cleanup();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const ctx = async (files: Record<string, Entry>) => {
    const dir = await context(files);
    dirs.push(dir);
    return dir;
  };
  const build = (args: string[], client: 'docker' | 'berth' = 'docker') =>
    d[client](['build', ...args], { env: classic, timeoutMs: 60000 });
  const ok = async (args: string[], client: 'docker' | 'berth' = 'docker') => {
    const r = await build(args, client);
    assert.equal(r.code, 0, `${client} build ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const sh = async (image: string, script: string, user?: string) => {
    const r = await d.docker(['run', '--rm', ...(user ? ['-u', user] : []), '--network', 'none', '--entrypoint', 'sh', image, '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const inspect = async (image: string) => {
    const r = await d.docker(['image', 'inspect', image]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as [{ Config: Record<string, any>; Author: string }])[0];
  };

  test('every instruction shows its effect in the image', async () => {
    const dir = await ctx({
      'Dockerfile': [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=busybox',
        'FROM ${BASE} AS base',
        'ARG WHO=world',
        'ENV GREETING="hello ${WHO}" OTHER=${UNSET:-fallback} ALT=${WHO:+set}',
        'LABEL org.test.a="1" b=two',
        'EXPOSE 8080 53/udp',
        'WORKDIR /app',
        'WORKDIR sub',
        "RUN echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1234:' >> /etc/group && \\",
        '    # a comment inside a continuation',
        '    echo "$GREETING" > greeting.txt',
        'COPY --chown=app:app --chmod=640 files/* ./copied/',
        'COPY files/a.txt /single',
        'ADD archive.tar /unpacked/',
        'ADD archive.tgz /unpacked-gz',
        `ADD http://127.0.0.1:${port}/page.txt /web/`,
        `ADD --checksum=${webDigest} http://127.0.0.1:${port}/page.txt /web/checked.txt`,
        'RUN ["sh", "-c", "echo exec-form > /exec.txt"]',
        'SHELL ["/bin/sh", "-ec"]',
        'RUN <<EOF',
        'echo from-heredoc > /heredoc.txt',
        'EOF',
        'USER app',
        'VOLUME ["/data"]',
        'STOPSIGNAL SIGUSR1',
        'HEALTHCHECK --interval=5s --retries=2 CMD true',
        'ONBUILD RUN echo triggered > /tmp/onbuild.txt',
        'ENTRYPOINT ["sh", "-c"]',
        'CMD ["echo default"]',
      ].join('\n'),
      'files/a.txt': 'A\n',
      'files/b.txt': 'B\n',
    });
    // A real tar for ADD to unpack.
    const tarDir = await ctx({ 'inner/x.txt': 'x\n' });
    execFileSync('tar', ['-cf', join(dir, 'archive.tar'), '-C', tarDir, 'inner']);
    execFileSync('tar', ['-czf', join(dir, 'archive.tgz'), '-C', tarDir, 'inner']);
    const out = await ok(['-t', 'every:1', '-t', 'every:2', '--build-arg', 'WHO=builder', dir]);
    assert.match(out, /Step 1\/25 : ARG BASE=busybox\n/);
    assert.match(out, /Successfully built [0-9a-f]{12}\nSuccessfully tagged every:1\nSuccessfully tagged every:2\n/);
    const c = (await inspect('every:2')).Config;
    assert.ok(c.Env.includes('GREETING=hello builder'), c.Env);
    assert.ok(c.Env.includes('OTHER=fallback') && c.Env.includes('ALT=set'), c.Env);
    assert.deepEqual(c.Labels, { 'org.test.a': '1', b: 'two' });
    assert.deepEqual(Object.keys(c.ExposedPorts).sort(), ['53/udp', '8080/tcp']);
    assert.equal(c.WorkingDir, '/app/sub');
    assert.equal(c.User, 'app');
    assert.deepEqual(c.Volumes, { '/data': {} });
    assert.equal(c.StopSignal, 'SIGUSR1');
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
    assert.deepEqual(c.OnBuild, ['RUN echo triggered > /tmp/onbuild.txt']);
    assert.deepEqual(c.Entrypoint, ['sh', '-c']);
    assert.deepEqual(c.Cmd, ['echo default']);
    assert.deepEqual(c.Shell, ['/bin/sh', '-ec']);
    const files = await sh('every:1', [
      'cat /app/sub/greeting.txt', 'stat -c "%U:%G %a %n" /app/sub/copied/a.txt /app/sub/copied/b.txt',
      'stat -c "%u:%g %a" /single', 'cat /unpacked/inner/x.txt /unpacked-gz/inner/x.txt', 'stat -c "%a" /web/page.txt', 'cat /web/checked.txt', 'cat /exec.txt /heredoc.txt', 'id -un',
    ].join(' && '), '0');
    assert.equal(files, 'hello builder\napp:app 640 /app/sub/copied/a.txt\napp:app 640 /app/sub/copied/b.txt\n0:0 644\nx\nx\n600\nfrom the web\nexec-form\nfrom-heredoc\nroot\n');
    assert.equal((await d.docker(['run', '--rm', 'every:1'])).stdout, 'default\n');
    // ONBUILD triggers run in the build that starts FROM the image.
    const child = await ctx({ 'Dockerfile': 'FROM every:1\nRUN test -f /tmp/onbuild.txt\n' });
    const childOut = await ok(['-t', 'child', child]);
    assert.match(childOut, /# Executing 1 build trigger/);
    assert.deepEqual((await inspect('child')).Config.OnBuild, null);
  });

  test('multi-stage: COPY --from a stage and an image, --target stops early', async () => {
    const dir = await ctx({
      'Dockerfile': [
        'FROM busybox AS first',
        'RUN echo built-in-first > /artifact',
        'FROM busybox AS second',
        'RUN echo second > /second',
        'FROM scratch',
        'COPY --from=first /artifact /artifact',
        'COPY --from=busybox /bin/busybox /bin/busybox',
        'COPY --from=1 /second /second',
        'CMD ["/bin/busybox", "cat", "/artifact", "/second"]',
      ].join('\n'),
    });
    await ok(['-t', 'multi', dir]);
    assert.equal((await d.docker(['run', '--rm', 'multi'])).stdout, 'built-in-first\nsecond\n');
    await ok(['--target', 'second', '-t', 'multi:second', dir]);
    assert.equal(await sh('multi:second', 'cat /second; test -e /artifact || echo no-artifact'), 'second\nno-artifact\n');
    const bad = await build(['--target', 'nope', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /failed to reach build target nope in Dockerfile/);
  });

  test('VOLUME: what a later RUN writes there is not kept, and no volume is left behind', async () => {
    const dir = await ctx({ 'Dockerfile': 'FROM busybox\nRUN mkdir /data && echo before > /data/before\nVOLUME /data\nRUN echo after > /data/after\n' });
    const volumes = (await d.docker(['volume', 'ls', '-q'])).stdout;
    await ok(['-t', 'volume-step', dir]);
    assert.equal(await sh('volume-step', 'ls /data'), 'before\n');
    assert.equal((await d.docker(['volume', 'ls', '-q'])).stdout, volumes);
  });

  test('.dockerignore excludes with Docker\'s rules, ! brings files back', async () => {
    const dir = await ctx({
      'Dockerfile': 'FROM busybox\nCOPY . /ctx/\n',
      '.dockerignore': '# comment\n*.log\nsecret/\ndocs/*\n!docs/keep.md\n**/tmp\n',
      'app.txt': 'app', 'debug.log': 'log', 'secret/key': 'k', 'docs/drop.md': 'x', 'docs/keep.md': 'keep', 'a/b/tmp': 't', 'a/b/c.txt': 'c',
    });
    for (const client of ['docker', 'berth'] as const) {
      await ok(['-t', `ignored-${client}`, dir], client);
      const list = await sh(`ignored-${client}`, 'cd /ctx && find . -type f | sort');
      assert.equal(list, './.dockerignore\n./Dockerfile\n./a/b/c.txt\n./app.txt\n./docs/keep.md\n', client);
    }
  });

  test('a symlink in the context is followed only inside the context', async () => {
    const dir = await ctx({
      'Dockerfile': 'FROM busybox\nCOPY shadow /copied-shadow\n',
      shadow: { link: '/etc/shadow' },
    });
    // As Docker: the link resolves inside the context, where there is no etc/shadow.
    const r = await build(['-t', 'links', dir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /COPY failed: file not found in build context or excluded by .dockerignore: stat shadow: file does not exist/);
    const dir2 = await ctx({
      'Dockerfile': 'FROM busybox\nCOPY rel /rel\nCOPY tree /tree/\n',
      real: 'inside\n', rel: { link: 'real' }, 'tree/shadow': { link: '/etc/shadow' }, 'tree/up': { link: '../../../etc/shadow' },
    });
    await ok(['-t', 'links', dir2]);
    const host = (await readFile('/etc/shadow', 'utf8')).split('\n')[0]!;
    const out = await sh('links', 'cat /rel; readlink /tree/shadow; readlink /tree/up; cat /tree/shadow /tree/up 2>/dev/null; true');
    assert.ok(out.startsWith('inside\n/etc/shadow\n../../../etc/shadow\n'), out);
    assert.ok(!out.includes(host), "the host's /etc/shadow was copied");
  });

  test('the cache: hits after no change, misses from a changed file\'s COPY on and from an ARG\'s first use; survives a restart; builder prune empties it', async () => {
    const dir = await ctx({
      'Dockerfile': 'FROM busybox\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\nCOPY b.txt /b.txt\nARG V=1\nRUN echo $V > /v\n',
      'a.txt': 'a1\n', 'b.txt': 'b',
    });
    const cached = (out: string) => out.split(/Step \d+\/\d+ : /).slice(1).map((s) => s.includes('Using cache'));
    await ok(['-t', 'cached', dir]);
    assert.deepEqual(cached(await ok(['-t', 'cached', dir])), [false, true, true, true, true, true, true]);
    // Same content, new mtime: still a hit.
    await writeFile(join(dir, 'b.txt'), 'b');
    assert.deepEqual(cached(await ok(['-t', 'cached', dir], 'berth')), [false, true, true, true, true, true, true]);
    await writeFile(join(dir, 'a.txt'), 'a2\n');
    assert.deepEqual(cached(await ok(['-t', 'cached', dir])), [false, true, false, false, false, false, false]);
    assert.equal(await sh('cached', 'cat /copy /v'), 'a2\n1\n');
    assert.deepEqual(cached(await ok(['--build-arg', 'V=2', '-t', 'cached', dir])), [false, true, true, true, true, true, false]);
    assert.equal(await sh('cached', 'cat /v'), '2\n');
    await d.restart();
    assert.deepEqual(cached(await ok(['--build-arg', 'V=2', '-t', 'cached', dir])), [false, true, true, true, true, true, true]);
    assert.deepEqual(cached(await ok(['--no-cache', '-t', 'cached2', dir])), [false, false, false, false, false, false, false]);
    const prune = await d.docker(['builder', 'prune', '-f']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, /Total reclaimed space/);
    assert.deepEqual(cached(await ok(['-t', 'cached', dir])), [false, false, false, false, false, false, false]);
  });

  test('a failing RUN reports its exit code and leaves no tag; a malformed Dockerfile names its line', async () => {
    const dir = await ctx({ 'Dockerfile': 'FROM busybox\nRUN echo before\nRUN exit 3\n' });
    for (const client of ['docker', 'berth'] as const) {
      const r = await build(['-t', `failed-${client}`, dir], client);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/);
      assert.notEqual((await d.docker(['image', 'inspect', `failed-${client}`])).code, 0);
    }
    const bad = await ctx({ 'Dockerfile': 'FROM busybox\nRUN true\n\nBOGUS x\n' });
    for (const client of ['docker', 'berth'] as const) {
      const r = await build([bad], client);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /dockerfile parse error line 4: unknown instruction: BOGUS/);
    }
    const badSum = await ctx({ 'Dockerfile': `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/p /p\n` });
    assert.match((await build([badSum])).stderr, /ADD failed: digest mismatch for http:\/\/127\.0\.0\.1:\d+\/p: sha256:[0-9a-f]{64}, expected sha256:0{64}/);
    const noArgs = await ctx({ 'Dockerfile': 'FROM busybox\nCOPY onlyone\n' });
    assert.match((await build([noArgs])).stderr, /dockerfile parse error line 2: COPY requires at least two arguments/);
  });

  test('berth build -q, -f, --iidfile, --label and --rm=false; limits for RUN; a Dockerfile from stdin', async () => {
    const dir = await ctx({ 'other.Dockerfile': 'FROM busybox\nRUN echo kept > /kept\n' });
    const iid = join(dir, 'iid');
    const out = await ok(['-q', '-f', join(dir, 'other.Dockerfile'), '--iidfile', iid, '--label', 'made=by-test', '--rm=false', '-t', 'quiet', dir], 'berth');
    assert.match(out, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(await readFile(iid, 'utf8'), out.trim());
    assert.equal((await inspect('quiet')).Config.Labels.made, 'by-test');
    const ps = await d.docker(['ps', '-aq']);
    assert.ok(ps.stdout.trim().length > 0, 'the RUN container was kept');
    // Limits given to the build reach its RUN containers.
    await ok(['--no-cache', '--memory', '64m', '--cpu-shares', '512', '--rm=false', '-f', join(dir, 'other.Dockerfile'), dir]);
    const [latest] = (await d.docker(['ps', '-lq'])).stdout.trim().split('\n');
    assert.equal((await d.docker(['inspect', '--format', '{{.HostConfig.Memory}} {{.HostConfig.CpuShares}}', latest!])).stdout, '67108864 512\n');
    // The docker CLI sends a Dockerfile from stdin inside the context tar, without the tar's end.
    const stdin = 'FROM busybox\nCOPY other.Dockerfile /copied\nRUN env | grep PROXY > /proxy\n';
    const r = await d.docker(['build', '-q', '-f', '-', '--build-arg', 'HTTP_PROXY=http://127.0.0.1:9', '-t', 'from-stdin', dir], { env: classic, input: stdin });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sh('from-stdin', 'head -1 /copied; cat /proxy'), 'FROM busybox\nHTTP_PROXY=http://127.0.0.1:9\n');
    // A predefined proxy argument reaches RUN but not the history.
    const history = await d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'from-stdin']);
    assert.doesNotMatch(history.stdout, /PROXY=/);
  });
});
