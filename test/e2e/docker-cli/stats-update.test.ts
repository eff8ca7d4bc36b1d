import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DOCKER_CLI, repoRoot } from '../../kit/paths.js';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Streamed stats, running until stopped: `frames()` gives the redraws written so far, each as its
 * table text (the part between the first cursor-home and the second), and `stop()` kills the
 * process by pid and gives its whole stdout.
 */
function streamOf(d: TestDaemon, client: 'docker' | 'berth', args: string[]) {
  const cmd = client === 'docker' ? DOCKER_CLI : join(repoRoot, 'bin/berth');
  const env = { ...process.env, DOCKER_HOST: d.host, BERTH_HOST: d.host, DOCKER_CONFIG: join(d.dir, 'docker-config') };
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const frames = () => out.split('\x1b[J').slice(0, -1);
  return {
    frames,
    /** Waits (at most 10 s) until the latest redraw lists exactly `names`. */
    async showing(names: string[]): Promise<void> {
      for (let i = 0; i < 100; i++) {
        const last = frames().at(-1);
        if (last !== undefined && tableLines(last).join() === names.join()) return;
        await sleep(100);
      }
      assert.fail(`no redraw listing ${names.join()}: ${JSON.stringify(out)}`);
    },
    async stop(): Promise<string> {
      // docker 28's stats ignores the first SIGINT/SIGTERM
      child.kill('SIGKILL');
      await closed;
      return out;
    },
  };
}

/** The table lines of one redraw. */
function tableLines(frame: string): string[] {
  return (frame.split('\x1b[H')[1] ?? '').split('\n').filter(Boolean);
}

/** The same stats and update scenarios through the real docker CLI and through ours, on one berthd. */
describe('stats and update', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  for (const client of ['docker', 'berth'] as const) {
    const ok = async (args: string[]) => {
      const r = await d[client](args);
      assert.equal(r.code, 0, `${client} ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const name = (base: string) => `${base}-${client}`;

    test(`${client}: stats --no-stream shows the memory limit, pids and CPU of running containers`, async () => {
      const idle = name('idle');
      const busy = name('busy');
      await Promise.all([
        ok(['run', '-d', '--name', idle, '--memory', '100m', 'busybox', 'sh', '-c', 'sleep 300 & sleep 300 & wait']),
        ok(['run', '-d', '--name', busy, 'busybox', 'sh', '-c', 'while :; do :; done']),
      ]);
      try {
        const [table, custom, busyCpu, json, all] = await Promise.all([
          ok(['stats', '--no-stream', idle]),
          ok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', idle]),
          ok(['stats', '--no-stream', '--format', '{{.CPUPerc}}', busy]),
          ok(['stats', '--no-stream', '--format', 'json', busy]),
          ok(['stats', '--no-stream', '--format', '{{.Name}}']),
        ]);
        const [header, row, ...rest] = table.split('\n');
        assert.match(header!, /^CONTAINER ID {3}NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
        assert.match(row!, new RegExp(`^[0-9a-f]{12} {3}${idle} +\\d+\\.\\d\\d% +[\\d.]+(B|KiB|MiB) / 100MiB +\\d+\\.\\d\\d% +\\S+ / \\S+ +\\S+ / \\S+ +3$`));
        assert.deepEqual(rest, ['']);
        assert.match(custom, new RegExp(`^${idle} [\\d.]+(B|KiB|MiB) / 100MiB\\n$`));
        assert.ok(Number.parseFloat(busyCpu) > 0, `busy container CPU: ${busyCpu}`);
        assert.match(json, new RegExp(`^\\{"BlockIO":.*"Name":"${busy}",.*"PIDs":"1"\\}\\n$`));
        // without names: every running container
        assert.match(all, new RegExp(`^(?=[^]*^${idle}$)(?=[^]*^${busy}$)`, 'm'));
      } finally {
        await d[client](['rm', '-f', idle, busy]);
      }
    });

    test(`${client}: stats of a missing container fails as docker does`, async () => {
      const r = await d[client](['stats', '--no-stream', 'nope1', 'nope2']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error response from daemon: No such container: nope1\nError response from daemon: No such container: nope2\n']);
    });

    test(`${client}: streamed stats redraw the table in place and follow containers that start and die`, async () => {
      const first = name('first');
      const late = name('late');
      await ok(['run', '-d', '--name', first, 'busybox', 'sleep', '300']);
      const stats = streamOf(d, client, ['stats', '--format', '{{.Name}}']);
      try {
        await stats.showing([first]);
        await ok(['run', '-d', '--name', late, 'busybox', 'sleep', '300']);
        await stats.showing([first, late]);
        await ok(['kill', first]);
        await stats.showing([late]);
        const frames = stats.frames();
        // each redraw: home, the table, home again and the same lines each ending in erase-line
        for (const f of frames) assert.match(f, /^\x1b\[H([^\x1b]*)\x1b\[H(.* \x1b\[K\n)+$/);
        assert.ok(frames.length >= 3, `${frames.length} redraws`);
      } finally {
        await stats.stop();
        await d[client](['rm', '-f', first, late]);
      }
    });

    test(`${client}: update changes limits seen by inspect and stats; bad values are refused`, async () => {
      const c = name('upd');
      await ok(['run', '-d', '--name', c, 'busybox', 'sleep', '300']);
      try {
        assert.equal(await ok(['update', '--memory', '64m', '--pids-limit', '20', c]), `${c}\n`);
        assert.equal(await ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}', c]), '67108864 20\n');
        assert.match(await ok(['stats', '--no-stream', '--format', '{{.MemUsage}}', c]), /^[\d.]+(B|KiB|MiB) \/ 64MiB\n$/);

        const refused = async (args: string[], code: number, stderr: RegExp) => {
          const r = await d[client](['update', ...args]);
          assert.equal(r.code, code, `update ${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, stderr);
        };
        const missing = d[client](['update', '--cpu-shares', '512', 'nope', c]);
        await Promise.all([
          refused(['--memory', 'abc', c], 125, new RegExp(`^invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'\\n\\nUsage:  ${client} update \\[OPTIONS\\] CONTAINER \\[CONTAINER\\.\\.\\.\\]\\n`)),
          refused(['--blkio-weight', '70000', c], 125, /^invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range\n/),
          refused(['--memory', '1k', c], 1, /^Error response from daemon: Minimum memory limit allowed is 6MB\n$/),
          refused(['--restart', 'on-failure:x', c], 1, /^invalid restart policy format: maximum retry count must be an integer\n$/),
          refused([c], 1, /^you must provide one or more flags when using this command\n$/),
        ]);
        const { code, stdout, stderr } = await missing;
        assert.deepEqual([code, stdout, stderr], [1, `${c}\n`, 'Error response from daemon: No such container: nope\n']);
      } finally {
        await d[client](['rm', '-f', c]);
      }
    });
  }
});
