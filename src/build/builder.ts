/**
 * Docker's classic builder: a Dockerfile run step by step, each step committed as an image whose
 * parent is the previous step's (so `docker history` shows them and the final image's untagged
 * ancestors stay hidden in `docker images`). Metadata instructions change the config only; RUN
 * runs in a container started the ordinary way and its writable layer becomes the step's layer;
 * COPY, ADD and WORKDIR write into a mounted snapshot. Before a step runs, its cache key is looked
 * up (BuildCache); a hit moves on to the cached image.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { readJsonLog } from '../container/json-log-reader.js';
import type { HostConfig } from '../container/container.js';
import type { ContainerService } from '../container/container-service.js';
import { resolveUser } from '../container/user-lookup.js';
import { applyChanges, parseJsonArray, processWord, splitWords } from '../image/apply-changes.js';
import type { Image } from '../image/image.js';
import type { ImageService } from '../image/image-service.js';
import { writeLayerTar } from '../image/layer-tar-writer.js';
import { familiarName, normalizeReference } from '../image/reference.js';
import { hostArchitecture, type HistoryEntry, type ImageConfig, type ImageExecConfig } from '../oci/image.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import type { BuildCache } from './build-cache.js';
import { BuildError } from './build-error.js';
import { openBuildContext, type BuildContext } from './build-context.js';
import { copySource, ensureDir, matchSources, sourcesChecksum, type CopyOwnership, type CopySource } from './copy-files.js';
import { downloadSource } from './download-source.js';
import { parseDockerfile, parseError, parseTrigger, type Instruction } from './dockerfile.js';
import { mountRootfs } from './mount-rootfs.js';

export interface BuilderDeps {
  images: ImageService;
  containers: ContainerService;
  snapshots: Snapshotter;
  cache: BuildCache;
  /** Where contexts and mount points go while a build runs. */
  tmpRoot: string;
  log: Logger;
}

export interface BuildOptions {
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  pull: boolean;
  rm: boolean;
  forceRm: boolean;
  /** For RUN containers: 'default' (Docker's bridge), 'none', 'host'. */
  networkMode: string;
  /** Limits for RUN containers (0 or '': none, as in a create request). */
  resources?: Pick<HostConfig, 'memory' | 'memorySwap' | 'cpuShares' | 'cpusetCpus' | 'cpuPeriod' | 'cpuQuota' | 'shmSize'>;
  signal?: AbortSignal;
}

/** Arguments usable without an ARG line, left out of the cache key and history unless declared. */
const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEFAULT_SHELL = ['/bin/sh', '-c'];
const CONFIG_INSTRUCTIONS = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME']);

interface Stage {
  name: string;
  from: Instruction;
  body: Instruction[];
}

interface StageState {
  image: Image | undefined;
  config: ImageExecConfig;
  author?: string;
  /** ARGs declared in this stage, with their values (undefined: declared without one). */
  args: Map<string, string | undefined>;
  /** A CMD was set in this stage: a later ENTRYPOINT keeps it. */
  cmdSet: boolean;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** One build: its context, its parsed Dockerfile, and the run. */
export class BuildJob {
  private step = 0;
  private readonly total: number;
  private readonly done = new Map<string, Image | undefined>();
  private readonly usedArgs = new Set<string>();
  private readonly meta = new Map<string, string | undefined>();
  private out: (text: string) => void = () => {};

  constructor(
    private readonly d: BuilderDeps,
    private readonly o: BuildOptions,
    private readonly ctx: BuildContext,
    private readonly escape: string,
    private readonly metaArgs: Instruction[],
    private readonly stages: Stage[],
  ) {
    this.total = metaArgs.length + stages.reduce((n, s) => n + 1 + s.body.length, 0);
  }

  /** Runs the build, writing Docker's progress lines to `out`; resolves with the image id. */
  async run(out: (text: string) => void): Promise<string> {
    this.out = out;
    try {
      for (const ins of this.metaArgs) {
        this.stepLine(ins);
        for (const [k, v] of this.argDeclarations(ins, (n) => this.meta.get(n), this.metaEnv())) this.meta.set(k, v);
      }
      let last: StageState | undefined;
      for (const [i, stage] of this.stages.entries()) {
        last = await this.runStage(stage);
        // A stage is named by its AS name and by its index.
        this.done.set(stage.name, last.image);
        this.done.set(String(i), last.image);
      }
      const image = last?.image;
      if (!image) throw new BuildError('No image was generated. Is your Dockerfile empty?', 1);
      const unused = Object.keys(this.o.buildArgs).filter((k) => !this.usedArgs.has(k) && !PROXY_ARGS.includes(k) && !this.meta.has(k));
      if (unused.length) out(`[Warning] One or more build-args [${unused.sort().join(' ')}] were not consumed\n`);
      for (const t of this.o.tags) await this.d.images.tag(image.id, t);
      return image.id;
    } finally {
      await this.ctx.remove().catch(() => {});
      await this.d.cache.flush().catch((err: unknown) => this.d.log.warn('write the build cache', { error: messageOf(err) }));
    }
  }

  /** "Successfully tagged" names, as Docker prints them. */
  taggedNames(): string[] {
    return this.o.tags.map((t) => familiarName(normalizeReference(t)));
  }

  private stepLine(ins: Instruction): void {
    this.out(`Step ${++this.step}/${this.total} : ${ins.original}\n`);
  }

  private async runStage(stage: Stage): Promise<StageState> {
    this.stepLine(stage.from);
    const st = await this.from(stage.from);
    this.out(` ---> ${st.image ? short(st.image.id) : 'scratch'}\n`);
    const triggers = st.config.OnBuild ?? [];
    if (triggers.length) {
      this.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      st.config = { ...st.config, OnBuild: null };
      for (const t of triggers) await this.dispatch(st, parseTrigger(t, this.escape));
    }
    for (const ins of stage.body) {
      this.o.signal?.throwIfAborted();
      this.stepLine(ins);
      await this.dispatch(st, ins);
    }
    return st;
  }

  private async from(ins: Instruction): Promise<StageState> {
    const words = splitWords(ins.args).map((w) => processWord(w, this.metaEnv()));
    const name = words[0] ?? '';
    if (name === '') throw new BuildError('base name (${...}) should not be blank', 1);
    const state = (image: Image | undefined, config: ImageExecConfig): StageState => ({ image, config: structuredClone(config), args: new Map(), cmdSet: false });
    if (name.toLowerCase() === 'scratch') return state(undefined, { Env: [DEFAULT_PATH] });
    if (this.done.has(name.toLowerCase())) {
      const image = this.done.get(name.toLowerCase());
      return state(image, image?.config.config ?? { Env: [DEFAULT_PATH] });
    }
    const image = await this.baseImage(name, ins.flags.find((f) => f.name === 'platform')?.value ?? undefined);
    return state(image, image.config.config ?? {});
  }

  /** A FROM or --from image: local unless --pull, pulled when missing (only from allowed registries). */
  private async baseImage(name: string, platform?: string): Promise<Image> {
    if (!this.o.pull) {
      try {
        return this.d.images.resolve(name);
      } catch (err) {
        if (!(err instanceof NotFound)) throw err;
      }
    }
    const ref = familiarName(normalizeReference(name));
    try {
      await this.d.images.pull(ref, { progress: () => {}, ...(platform ? { platform } : {}), ...(this.o.signal ? { signal: this.o.signal } : {}) });
    } catch (err) {
      throw new BuildError(`pull access denied for ${ref}: ${messageOf(err)}`, 1);
    }
    return this.d.images.resolve(ref);
  }

  private async dispatch(st: StageState, ins: Instruction): Promise<void> {
    const k = ins.keyword;
    if (k === 'RUN') return this.runStep(st, ins);
    if (k === 'COPY' || k === 'ADD') return this.copyStep(st, ins);
    if (k === 'FROM') throw parseError(ins.line, 'FROM is not allowed as an ONBUILD trigger');
    let config: ImageExecConfig;
    let author = st.author;
    if (k === 'ARG') {
      for (const [name, value] of this.argDeclarations(ins, (n) => this.meta.get(n), [...this.argEnv(st), ...(st.config.Env ?? [])])) st.args.set(name, value);
      config = st.config;
    } else if (k === 'SHELL') {
      const shell = parseJsonArray(ins.args);
      if (!shell) throw parseError(ins.line, 'SHELL requires the arguments to be in JSON form');
      config = { ...st.config, Shell: shell };
    } else if (k === 'MAINTAINER') {
      author = ins.args;
      config = st.config;
    } else if (k === 'WORKDIR') {
      config = applyChanges(st.config, [ins.original], { buildArgs: this.argEnv(st) });
      return this.workdirStep(st, config);
    } else if (CONFIG_INSTRUCTIONS.has(k)) {
      try {
        config = applyChanges(st.config, [ins.original], { buildArgs: this.argEnv(st) });
      } catch (err) {
        throw parseError(ins.line, messageOf(err));
      }
      if (k === 'CMD') st.cmdSet = true;
      if (k === 'ENTRYPOINT' && st.cmdSet) config.Cmd = st.config.Cmd ?? null;
    } else {
      throw parseError(ins.line, `unknown instruction: ${k}`);
    }
    const text = `#(nop)  ${historyText(ins, st.config, config)}`;
    await this.cached(st, { text, config, author }, async () => {
      st.author = author;
      return this.commitConfig(st, config, `/bin/sh -c ${text}`);
    });
    st.author = author;
  }

  /** `ARG a=1 b`: names with their values (a --build-arg wins, then the default, then a meta ARG's). */
  private argDeclarations(ins: Instruction, meta: (name: string) => string | undefined, env: string[]): [string, string | undefined][] {
    const out: [string, string | undefined][] = [];
    for (const w of splitWords(ins.args)) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w : w.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw parseError(ins.line, `invalid ARG name "${name}"`);
      this.usedArgs.add(name);
      const given = this.o.buildArgs[name];
      // A default may use the arguments and variables defined before it.
      const def = eq < 0 ? meta(name) : processWord(w.slice(eq + 1), env);
      out.push([name, given !== undefined && given !== null ? given : def]);
    }
    return out;
  }

  /** The ARGs before the first FROM with values, as `k=v`: what FROM lines substitute. */
  private metaEnv(): string[] {
    return [...this.meta].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  }

  /** The declared build arguments with values, as `k=v` (sorted), for substitution and RUN. */
  private argEnv(st: StageState): string[] {
    return [...st.args].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).sort();
  }

  /** Looks the step up in the cache, or makes it; moves the stage on to the resulting image. */
  private async cached(st: StageState, keyParts: Record<string, unknown>, make: () => Promise<Image>): Promise<void> {
    const key = sha(JSON.stringify({ parent: st.image?.id ?? '', ...keyParts }));
    const hit = this.o.noCache ? undefined : this.d.cache.get(key);
    let image: Image | undefined;
    if (hit) {
      try {
        image = this.d.images.resolve(hit);
        this.out(' ---> Using cache\n');
      } catch {
        image = undefined;
      }
    }
    if (!image) {
      image = await make();
      this.d.cache.set(key, image.id);
    }
    st.image = image;
    st.config = structuredClone(image.config.config ?? {});
    this.out(` ---> ${short(image.id)}\n`);
  }

  /** A step that changes the config only: a new image with the parent's layers. */
  private async commitConfig(st: StageState, config: ImageExecConfig, createdBy: string): Promise<Image> {
    const base = st.image?.config;
    const created = new Date().toISOString();
    const history: HistoryEntry[] = base?.history?.length ? [...base.history] : (base?.rootfs.diff_ids ?? []).map(() => ({ created: base?.created ?? created }));
    history.push({ created, created_by: createdBy, empty_layer: true });
    const author = st.author ?? base?.author;
    const image: ImageConfig = {
      architecture: base?.architecture ?? hostArchitecture(),
      ...(author ? { author } : {}),
      config,
      created,
      history,
      os: base?.os ?? 'linux',
      rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? [])] },
    };
    return this.d.images.create(image, st.image ? { parent: st.image.id } : {});
  }

  /** A step that adds a layer: the diff in `upper` on top of the stage's image. */
  private commitLayer(st: StageState, upper: string, config: ImageExecConfig, createdBy: string, containerId: string): Promise<Image> {
    return this.d.images.commit(writeLayerTar(upper, { overlayWhiteouts: true, ...(this.o.signal ? { signal: this.o.signal } : {}) }), {
      ...(st.image ? { parent: st.image.id } : {}),
      config,
      containerId,
      createdBy,
      ...(st.author ? { author: st.author } : {}),
    });
  }

  private async workdirStep(st: StageState, config: ImageExecConfig): Promise<void> {
    const dir = config.WorkingDir ?? '/';
    const text = `#(nop) WORKDIR ${dir}`;
    await this.cached(st, { text, config }, async () => {
      const root = await mountRootfs(this.d.snapshots, st.image?.chainId ?? '', this.d.tmpRoot);
      try {
        await ensureDir(root.dir, dir, { uid: 0, gid: 0 });
        if (await root.changed()) return await this.commitLayer(st, root.upper, config, `/bin/sh -c ${text}`, '');
      } finally {
        await root.release();
      }
      return this.commitConfig(st, config, `/bin/sh -c ${text}`);
    });
  }

  private async runStep(st: StageState, ins: Instruction): Promise<void> {
    if (!st.image) throw new BuildError('RUN is not possible on an image without a filesystem: add files first', 1);
    const shell = st.config.Shell?.length ? st.config.Shell : DEFAULT_SHELL;
    const json = parseJsonArray(ins.args);
    let argv: string[];
    const [heredoc] = ins.heredocs;
    if (heredoc && /^<<-?["']?\w+["']?$/.test(ins.args.trim())) argv = [...shell, heredoc.content];
    else if (ins.heredocs.length) argv = [...shell, [ins.args, ...ins.heredocs.map((h) => `${h.content}${h.name}`)].join('\n')];
    else argv = json ?? [...shell, ins.args];
    // An ENV of the same name hides an argument from RUN (and from its cache key), as in moby.
    const envKeys = new Set((st.config.Env ?? []).map((e) => e.split('=')[0]));
    const args = this.argEnv(st).filter((a) => !envKeys.has(a.split('=')[0]));
    const proxies = PROXY_ARGS.filter((p) => !st.args.has(p) && typeof this.o.buildArgs[p] === 'string').map((p) => `${p}=${this.o.buildArgs[p]}`);
    const createdBy = `${args.length ? `|${args.length} ${args.join(' ')} ` : ''}${argv.join(' ')}`;
    await this.cached(st, { text: createdBy, config: st.config }, async () => {
      const env = [...(st.config.Env ?? []), ...args, ...proxies.filter((a) => !envKeys.has(a.split('=')[0]))];
      const { id } = await this.d.containers.create({
        name: '',
        config: {
          image: st.image!.id, cmd: argv, entrypoint: [], env, user: st.config.User ?? '',
          workingDir: st.config.WorkingDir ?? '', labels: {},
          // A build step is not a service: the image's health check has nothing to watch here.
          healthcheck: { test: ['NONE'], intervalNs: 0, timeoutNs: 0, startPeriodNs: 0, retries: 0 },
        },
        hostConfig: { networkMode: this.o.networkMode, ...runResources(this.o.resources) },
      });
      this.out(` ---> Running in ${short(id)}\n`);
      let ok = false;
      // A client that goes away stops the build: its RUN is killed rather than left running.
      const stop = () => void this.d.containers.kill(id).catch(() => {});
      this.o.signal?.addEventListener('abort', stop, { once: true });
      try {
        const exited = this.d.containers.wait(id, 'next-exit');
        await this.d.containers.start(id);
        await this.streamOutput(this.d.containers.logPath(id), exited);
        const { statusCode } = await exited;
        if (statusCode !== 0) throw new BuildError(`The command '${argv.join(' ')}' returned a non-zero code: ${statusCode}`, statusCode);
        const [m] = await this.d.snapshots.mounts(id);
        const upper = m?.options.find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
        if (!upper) throw new NotFound(`the writable layer of container ${id} is gone`);
        const image = await this.commitLayer(st, upper, st.config, createdBy, id);
        ok = true;
        return image;
      } finally {
        this.o.signal?.removeEventListener('abort', stop);
        if (ok ? this.o.rm : this.o.forceRm) {
          await this.d.containers.remove(id, { force: true, volumes: true }).catch((err: unknown) => this.d.log.warn('remove build container', { id, error: messageOf(err) }));
          this.out(`Removing intermediate container ${short(id)}\n`);
        }
      }
    });
  }

  /** Sends a RUN's output while it runs; the follower ends, with all of it read, at the exit. */
  private async streamOutput(path: string, exited: Promise<unknown>): Promise<void> {
    const options = { stdout: true, stderr: true, sinceNs: 0n, untilNs: 0n, tail: -1, timestamps: false, multiplexed: false, follow: true };
    for await (const chunk of readJsonLog(path, options, exited)) this.out(chunk.toString('utf8'));
  }

  private async copyStep(st: StageState, ins: Instruction): Promise<void> {
    const k = ins.keyword;
    const flag = (n: string) => ins.flags.find((f) => f.name === n)?.value ?? undefined;
    const env = [...this.argEnv(st), ...(st.config.Env ?? [])];
    const json = parseJsonArray(ins.args);
    const words = json ?? splitWords(ins.args).map((w) => processWord(w, env));
    if (ins.heredocs.length === 0 && words.length < 2) throw parseError(ins.line, `${k} requires at least two arguments, but only one was provided. Destination could not be determined`);
    const written = words.at(-1)!;
    let dest = written;
    const srcArgs = words.slice(0, -1);
    if (!dest.startsWith('/')) dest = posix.join(st.config.WorkingDir || '/', dest) + (dest.endsWith('/') || dest === '.' ? '/' : '');
    // Made only for heredocs and downloads: most COPY steps (and every cache hit of them) need none.
    let staging: string | undefined;
    const releases: (() => Promise<void>)[] = [async () => {
      if (staging) await rm(staging, { recursive: true, force: true });
    }];
    const stagingDir = async () => (staging ??= await mkdtemp(join(this.d.tmpRoot, 'src-')));
    try {
      const from = flag('from');
      let srcRoot = this.ctx.dir;
      if (from !== undefined) {
        if (k === 'ADD') throw parseError(ins.line, 'Unknown flag: from');
        const fromName = processWord(from, env);
        const image = this.done.has(fromName.toLowerCase()) ? this.done.get(fromName.toLowerCase()) : await this.baseImage(fromName);
        const root = await mountRootfs(this.d.snapshots, image?.chainId ?? '', this.d.tmpRoot);
        releases.push(() => root.release());
        srcRoot = root.dir;
      }
      const sources: CopySource[] = [];
      for (const h of ins.heredocs) {
        const target = srcArgs.find((a) => a.replace(/^<<-?["']?|["']?$/g, '') === h.name);
        if (target === undefined) continue;
        const dir = await stagingDir();
        await writeFile(join(dir, h.name), h.content, { mode: 0o644 });
        sources.push({ host: join(dir, h.name), rel: h.name, isDir: false });
      }
      for (const a of srcArgs) {
        if (/^<<-?["']?\w+["']?$/.test(a)) continue;
        if (/^https?:\/\//.test(a)) {
          if (k !== 'ADD') throw new BuildError(`${k} failed: source can't be a URL for COPY`, 1);
          const checksum = flag('checksum');
          sources.push(await downloadSource(a, await stagingDir(), { ...(checksum !== undefined ? { checksum } : {}), ...(this.o.signal ? { signal: this.o.signal } : {}) }));
          continue;
        }
        if (flag('checksum') !== undefined) throw new BuildError("checksum can't be specified for non-HTTP(S) sources", 1);
        sources.push(...(await matchSources(srcRoot, a, k)));
      }
      if (sources.length > 1 && !dest.endsWith('/')) throw new BuildError(`When using ${k} with more than one source file, the destination must be a directory and end with a /`, 1);
      const checksum = await sourcesChecksum(sources);
      const chown = flag('chown');
      const chmod = flag('chmod');
      const kind = sources.length > 1 ? 'multi' : sources[0]!.isDir ? 'dir' : 'file';
      const text = `#(nop) ${k} ${kind}:${checksum} in ${written} `;
      const flagsText = ins.flags.map((f) => `--${f.name}=${f.value ?? ''}`).join(' ');
      await this.cached(st, { text, dest, flags: flagsText, config: st.config }, async () => {
        const root = await mountRootfs(this.d.snapshots, st.image?.chainId ?? '', this.d.tmpRoot);
        try {
          const own: CopyOwnership = { uid: 0, gid: 0 };
          if (chown) {
            const dirs = st.image?.chainId ? this.d.snapshots.layerDirs(st.image.chainId) : [];
            const u = await resolveUser(processWord(chown, env), dirs);
            own.uid = u.uid;
            own.gid = u.gid;
          }
          if (chmod !== undefined) {
            if (!/^[0-7]{3,4}$/.test(chmod)) throw new BuildError(`invalid chmod parameter: ${chmod}`, 1);
            own.mode = parseInt(chmod, 8);
          }
          for (const s of sources) await copySource(root.dir, s, dest, own, k === 'ADD' && srcRoot === this.ctx.dir && !(staging && s.host.startsWith(staging)) ? { extractTo: this.d.tmpRoot } : {});
          return await this.commitLayer(st, root.upper, st.config, `/bin/sh -c ${text}`, '');
        } finally {
          await root.release();
        }
      });
    } finally {
      for (const r of releases.reverse()) await r().catch(() => {});
    }
  }

}

/** The limits that were given (a 0 or '' leaves the create request's default, a 64 MiB /dev/shm for shmSize). */
function runResources(r: BuildOptions['resources']): Partial<HostConfig> {
  return Object.fromEntries(Object.entries(r ?? {}).filter(([, v]) => v !== 0 && v !== '')) as Partial<HostConfig>;
}

/** What history records for a metadata step: ENV and LABEL with their values substituted, as Docker. */
function historyText(ins: Instruction, before: ImageExecConfig, after: ImageExecConfig): string {
  if (ins.keyword === 'ENV') {
    const old = new Set(before.Env ?? []);
    return `ENV ${(after.Env ?? []).filter((e) => !old.has(e)).join(' ')}`;
  }
  if (ins.keyword === 'LABEL') {
    const old = before.Labels ?? {};
    return `LABEL ${Object.entries(after.Labels ?? {}).filter(([k, v]) => old[k] !== v).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  }
  return ins.original;
}

/** Opens a build: the context unpacked, the Dockerfile parsed and split into stages. Throws before any step runs. */
export async function openBuild(d: BuilderDeps, body: Readable, o: BuildOptions): Promise<BuildJob> {
  const ctx = await openBuildContext(body, { tmpRoot: d.tmpRoot, dockerfilePath: o.dockerfile, ...(o.signal ? { signal: o.signal } : {}) });
  try {
    const df = parseDockerfile(ctx.dockerfile);
    const metaArgs: Instruction[] = [];
    const stages: Stage[] = [];
    for (const ins of df.instructions) {
      if (ins.keyword === 'FROM') {
        const words = splitWords(ins.args);
        if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) throw parseError(ins.line, 'FROM requires either one or three arguments');
        const name = (words[2] ?? '').toLowerCase();
        if (name && !/^[a-z][a-z0-9-_.]*$/.test(name)) throw parseError(ins.line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
        stages.push({ name: name || String(stages.length), from: ins, body: [] });
      } else if (stages.length === 0) {
        if (ins.keyword !== 'ARG') throw new InvalidArgument('no build stage in current context');
        metaArgs.push(ins);
      } else {
        stages.at(-1)!.body.push(ins);
      }
    }
    if (stages.length === 0) throw new InvalidArgument('no build stage in current context');
    let kept = stages;
    if (o.target) {
      const i = stages.findIndex((s) => s.name === o.target.toLowerCase());
      if (i < 0) throw new InvalidArgument(`failed to reach build target ${o.target} in Dockerfile`);
      kept = stages.slice(0, i + 1);
    }
    const labels = Object.entries(o.labels);
    if (labels.length) {
      // Single quotes keep a value literal through the word processing ($, spaces, backslashes).
      const word = (w: string) => (/^[^\s"'\\$=]*$/.test(w) ? w : `'${w.split("'").join(`'"'"'`)}'`);
      const line = `LABEL ${labels.map(([k, v]) => `${word(k)}=${word(v)}`).join(' ')}`;
      kept.at(-1)!.body.push({ ...parseTrigger(line, df.escape), line: 0 });
    }
    for (const t of o.tags) normalizeReference(t);
    return new BuildJob(d, o, ctx, df.escape, metaArgs, kept);
  } catch (err) {
    await ctx.remove();
    throw err;
  }
}
