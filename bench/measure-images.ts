/**
 * 20–25: pull, push, save and load of two images, berthd and Docker Engine side by side against the
 * same registry (Debian's docker-registry; Docker's dockerd lives in its own network namespace, so
 * it gets a second registry process there, on the same port and the same storage), with the floors
 * of `skopeo copy` and of `curl | tar -x` (every layer at once) for the pulls.
 *
 * Images: ~150 MB of 6 random-data layers, and a many-file tree (~10k entries) copied from the host's /usr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import { newRow, type Row } from './results-table.js';
import { median, summarize } from './stats.js';
import { describe, mustRun, runCommand, type Command } from './timed-command.js';

/** Under berthd's bench directory, so that bench/run's cleanup finds the registries' pid files. */
let WORK = '/tmp/bench-berth/images';
const NETNS = process.env.BENCH_DOCKER_NETNS ?? '/run/netns/bench-docker';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** docker-registry processes on one port: on the host and, for dockerd, in its network namespace. */
class Registries {
  private procs: ChildProcess[] = [];
  constructor(readonly port: number, readonly storage: string, private readonly inNetns: boolean) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const config = join(this.storage, '..', `registry-${this.port}.yml`);
    await mkdir(this.storage, { recursive: true });
    await writeFile(config, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${this.storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${this.port}\n  secret: bench\n`);
    const launch = (cmd: string, args: string[]) => {
      const p = spawn(cmd, args, { stdio: 'ignore' });
      this.procs.push(p);
      // bench/run stops these by pid if this process dies first (their command lines name its directory).
      if (p.pid) void writeFile(join(WORK, '..', `registry-${p.pid}.helper-pid`), String(p.pid)).catch(() => {});
    };
    launch('/usr/bin/docker-registry', ['serve', config]);
    if (this.inNetns) launch('nsenter', [`--net=${NETNS}`, '/usr/bin/docker-registry', 'serve', config]);
    for (let i = 0; i < 100; i++) {
      const host = await runCommand({ cmd: 'curl', args: ['-sf', '-o', '/dev/null', `http://${this.host}/v2/`] });
      const ns = this.inNetns ? await runCommand({ cmd: 'nsenter', args: [`--net=${NETNS}`, 'curl', '-sf', '-o', '/dev/null', `http://${this.host}/v2/`] }) : host;
      if (host.code === 0 && ns.code === 0) return;
      await sleep(50);
    }
    throw new Error(`docker-registry did not answer on ${this.host}`);
  }

  /** Stops the processes (by the pids spawned here) and, with `wipe`, empties the storage. */
  async stop(wipe = false): Promise<void> {
    for (const p of this.procs) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    this.procs = [];
    if (wipe) await rm(this.storage, { recursive: true, force: true });
  }
}

interface BenchImage {
  name: string;
  title: string;
  layers: string[];
}

/** An OCI layout of gzip layers; skopeo copies it into the registry. */
async function writeLayout(dir: string, layerTars: Buffer[], level: number): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer) => {
    await writeFile(join(blobs, sha(b).slice(7)), b);
    return { digest: sha(b), size: b.length };
  };
  const layers = [];
  for (const t of layerTars) layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await put(gzipSync(t, { level }))) });
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: layerTars.map(sha) },
    history: layerTars.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'bench' })),
  }));
  const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', ...(await put(config)) };
  const manifest = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers })));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
}

/** A tar of random data files (incompressible, like most real layer bytes after compression). */
async function randomLayer(i: number, bytes: number): Promise<Buffer> {
  const dir = join(WORK, `random-src-${i}`);
  await mkdir(join(dir, 'data'), { recursive: true });
  const files = 5;
  for (let f = 0; f < files; f++) await writeFile(join(dir, 'data', `layer${i}-file${f}`), randomBytes(Math.floor(bytes / files)));
  const out = join(WORK, `random-${i}.tar`);
  await mustRun({ cmd: 'tar', args: ['--numeric-owner', '-cf', out, '-C', dir, '.'] });
  await rm(dir, { recursive: true, force: true });
  return readFile(out);
}

/**
 * A many-file tree the size of a Debian minbase root (the debootstrap image: ~10k entries,
 * ~150 MB, mostly small text files), from this machine's own files: headers, time zones, locale
 * sources and Perl modules. Built locally because benchmarks never reach outside 127.0.0.1.
 */
async function manyFileTar(): Promise<Buffer> {
  const out = join(WORK, 'usr-tree.tar');
  const dirs = ['usr/include', 'usr/share/zoneinfo', 'usr/share/i18n', 'usr/share/perl5'].filter((d) => existsSync(`/${d}`));
  await mustRun({ cmd: 'tar', args: ['--numeric-owner', '-cf', out, '-C', '/', ...dirs] });
  return readFile(out);
}

async function countFiles(tar: string): Promise<number> {
  const r = await mustRun({ cmd: 'sh', args: ['-c', `tar -tf '${tar}' | wc -l`] }, { capture: 'text' });
  return Number(r.stdout.trim());
}

/**
 * Interleaved rounds with an untimed setup before each timed command (as the pulls need the image
 * gone first): each round runs every engine once, in alternating order.
 */
async function rounds(env: BenchEnv, row: Row, o: {
  warmup: number; rounds: number; setup: (e: Engine, round: number) => Promise<void>; command: (e: Engine, round: number) => Command; after?: (e: Engine, round: number) => Promise<void>;
}): Promise<void> {
  const samples = new Map<string, number[]>();
  const engines = enginesOf(env);
  const n = env.rounds(o.rounds);
  for (let round = 0; round < o.warmup + n; round++) {
    for (const e of round % 2 === 0 ? engines : [...engines].reverse()) {
      if (row.errors.some((x) => x.startsWith(`${e.name}:`))) continue;
      try {
        await o.setup(e, round);
        const r = await mustRun(o.command(e, round), { timeoutMs: 600_000 });
        await o.after?.(e, round);
        if (round >= o.warmup) (samples.get(e.name) ?? samples.set(e.name, []).get(e.name)!).push(r.ms);
      } catch (err) {
        row.errors.push(`${e.name}: ${(err as Error).message}`);
      }
    }
  }
  for (const [name, xs] of samples) row[name as Engine['name']] = summarize(xs);
  row.notes.push(`\`${describe({ cmd: 'docker', args: o.command(env.berth, 0).args.slice(2) })}\`, ${n} interleaved rounds after ${o.warmup} warm-up, spawn to exit`);
}

/** 20–25. */
export async function measureImages(env: BenchEnv): Promise<Row[]> {
  WORK = join(env.berth.dir, 'images');
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  const setupNotes: string[] = [];
  const source = new Registries(await freePort(), join(WORK, 'source-storage'), env.docker !== undefined);
  const target = new Registries(await freePort(), join(WORK, 'target-storage'), env.docker !== undefined);
  const rows: Row[] = [];
  try {
    await source.start();
    log('making the images (6 random layers; a many-file tree)');
    const randomTars = [];
    for (let i = 0; i < 6; i++) randomTars.push(await randomLayer(i, 25_000_000));
    await writeLayout(join(WORK, 'layout-random'), randomTars, 1);
    const debian = await manyFileTar();
    await writeFile(join(WORK, 'debian.tar'), debian);
    const debianFiles = await countFiles(join(WORK, 'debian.tar'));
    await writeLayout(join(WORK, 'layout-debian'), [debian], 6);
    const images: BenchImage[] = [
      { name: `${source.host}/bench/random:latest`, title: '~150 MB, 6 random-data layers', layers: [] },
      { name: `${source.host}/bench/debian:latest`, title: `a many-file tree the size of a Debian minbase (${debianFiles} entries, ${(debian.length / 1e6).toFixed(0)} MB)`, layers: [] },
    ];
    for (const [img, layout] of [[images[0]!, 'layout-random'], [images[1]!, 'layout-debian']] as const) {
      await mustRun({ cmd: 'skopeo', args: ['copy', '-q', '--dest-tls-verify=false', `oci:${join(WORK, layout)}:latest`, `docker://${img.name}`] }, { timeoutMs: 600_000 });
      const m = JSON.parse((await mustRun({ cmd: 'skopeo', args: ['inspect', '--raw', '--tls-verify=false', `docker://${img.name}`] }, { capture: 'text' })).stdout) as { layers: { digest: string }[] };
      img.layers = m.layers.map((l) => l.digest);
    }
    const rmi = async (e: Engine, name: string) => {
      await runCommand(dockerCli(e, ['rmi', '-f', name]));
      await runCommand(dockerCli(e, ['image', 'prune', '-f']));
    };

    const ids = [['20', '21'], ['22', '23']] as const;
    for (const [i, img] of images.entries()) {
      const row = newRow(ids[0][i]!, `\`pull\` of ${img.title}`, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.8 }] });
      log(`${row.id}: pull ${img.name}`);
      // The untimed `sync` after each pull: neither engine's write-back (berthd flushes a moment
      // after a pull, the kernel flushes Docker's within 30 s) runs into the other's timing.
      await rounds(env, row, {
        warmup: 1, rounds: 7, setup: (e) => rmi(e, img.name), command: (e) => dockerCli(e, ['pull', '-q', img.name]),
        after: async () => { await mustRun({ cmd: 'sync', args: [] }); },
      });
      row.notes.push(...(await floors(img, source)));
      rows.push(row);
    }
    for (const [i, img] of images.entries()) {
      const row = newRow(ids[1][i]!, `\`push\` of ${img.title} (pulled before) to an empty registry`, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.5 }] });
      log(`${row.id}: push`);
      const pushed = (round: number) => `${target.host}/bench/pushed:r${round}`;
      for (const e of enginesOf(env)) await mustRun(dockerCli(e, ['pull', '-q', img.name]), { timeoutMs: 600_000 });
      await rounds(env, row, {
        warmup: 1, rounds: 5,
        setup: async (e, round) => {
          await target.stop(true);
          await target.start();
          await mustRun(dockerCli(e, ['tag', img.name, pushed(round)]));
        },
        command: (e, round) => dockerCli(e, ['push', '-q', pushed(round)]),
        after: async (e, round) => {
          await runCommand(dockerCli(e, ['rmi', pushed(round)]));
        },
      });
      rows.push(row);
    }
    const img = images[0]!;
    const saveRow = newRow('24', `\`save -o file\` of ${img.title}`, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 1 }] });
    log('24: save');
    await rounds(env, saveRow, {
      warmup: 1, rounds: 5,
      setup: async (e) => rm(join(WORK, `saved-${e.name}.tar`), { force: true }),
      command: (e) => dockerCli(e, ['save', '-o', join(WORK, `saved-${e.name}.tar`), img.name]),
    });
    rows.push(saveRow);
    const loadRow = newRow('25', `\`load -i file\` of ${img.title} (the file \`docker save\` wrote)`, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 1 }] });
    log('25: load');
    const dockerSaved = join(WORK, `saved-${env.docker ? 'docker' : 'berth'}.tar`);
    await rounds(env, loadRow, {
      warmup: 1, rounds: 5,
      setup: (e) => rmi(e, img.name),
      command: (e) => dockerCli(e, ['load', '-q', '-i', dockerSaved]),
    });
    rows.push(loadRow);
    if (setupNotes.length) rows[0]!.notes.push(...setupNotes);
    return rows;
  } finally {
    for (const e of enginesOf(env)) {
      for (const i of ['random', 'debian']) await runCommand(dockerCli(e, ['rmi', '-f', `${source.host}/bench/${i}:latest`]));
      await runCommand(dockerCli(e, ['image', 'prune', '-f']));
    }
    await source.stop();
    await target.stop();
    await rm(WORK, { recursive: true, force: true });
  }
}

/** What the pull could not beat: `skopeo copy` to a directory, and every layer by `curl | tar -xz` at once. */
async function floors(img: BenchImage, reg: Registries): Promise<string[]> {
  const path = img.name.slice(reg.host.length + 1).replace(/:latest$/, '');
  const skopeoMs: number[] = [];
  const curlMs: number[] = [];
  for (let round = 0; round < 4; round++) {
    const dir = join(WORK, 'floor');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const s = await runCommand({ cmd: 'skopeo', args: ['copy', '-q', '--src-tls-verify=false', `docker://${img.name}`, `dir:${join(dir, 'skopeo')}`] }, { timeoutMs: 600_000 });
    if (s.code === 0 && round > 0) skopeoMs.push(s.ms);
    const script = img.layers.map((d, i) => `mkdir -p ${dir}/l${i} && curl -sf http://${reg.host}/v2/${path}/blobs/${d} | tar -xz -C ${dir}/l${i} &`).join('\n');
    const c = await runCommand({ cmd: 'sh', args: ['-c', `${script}\nwait`] }, { timeoutMs: 600_000 });
    if (c.code === 0 && round > 0) curlMs.push(c.ms);
  }
  await rm(join(WORK, 'floor'), { recursive: true, force: true });
  const fmt = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} ms` : 'failed');
  return [`floors, 3 rounds: \`skopeo copy docker://… dir:\` ${fmt(skopeoMs)}; every layer at once by \`curl | tar -xz\` ${fmt(curlMs)}`];
}
