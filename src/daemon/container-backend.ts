import { execFile } from 'node:child_process';
import type { Socket } from 'node:net';
import { promisify } from 'node:util';
import { InvalidArgument } from '../common/errors.js';
import type * as Api from '../api/types/index.js';
import type { AttachQuery, ContainersBackend, LogsQuery } from '../api/routes/containers.js';
import type { ExecBackend } from '../api/routes/exec.js';
import { filterRegExp, untilFilterMs, type Filters } from '../api/routes/system.js';
import type { ContainerRecord } from '../container/container.js';
import type { ContainerService, WaitCondition } from '../container/container-service.js';
import { etcFilePaths } from '../container/etc-files.js';
import type { ExecService } from '../container/exec-service.js';
import { readJsonLog } from '../container/json-log-reader.js';
import { cannotReadLogs, logSettings } from '../container/log-config.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { fromApiCreate, toApiInspect, toApiSummary } from './convert/container-api.js';
import type { NetworkView } from './convert/network-settings-api.js';
import { parseDetachKeys } from '../api/detach-keys.js';
import { writeWithBackpressure } from '../api/write-with-backpressure.js';

const run = promisify(execFile);

const containerFilters = new Set(['status', 'name', 'label', 'id', 'exited', 'ancestor', 'before', 'since', 'volume', 'network', 'health', 'is-task', 'publish', 'expose']);
const statuses = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.hasOwn(labels, want);
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

export interface ImageRefs {
  /** Image id of a reference, or undefined. */
  idOf(ref: string): string | undefined;
  /** Bytes of an image's layers. */
  sizeOf(id: string): number;
}

/** The Engine API's view of containers and execs, over the container services. */
export class ContainerBackend implements ContainersBackend {
  constructor(
    private readonly containers: ContainerService,
    private readonly execs: ExecService,
    private readonly snapshots: Snapshotter,
    private readonly images: ImageRefs,
    private readonly networks: NetworkView,
  ) {}

  async create(name: string, body: Api.ContainerCreateRequest): Promise<Api.ContainerCreateResponse> {
    const r = await this.containers.create(fromApiCreate(name, body));
    return { Id: r.id, Warnings: r.warnings };
  }

  start(ref: string): Promise<void> {
    return this.containers.start(ref);
  }

  stop(ref: string, opts: { timeout?: number; signal?: string }): Promise<void> {
    return this.containers.stop(ref, opts);
  }

  restart(ref: string, opts: { timeout?: number }): Promise<void> {
    return this.containers.restart(ref, opts.timeout);
  }

  kill(ref: string, signal: string): Promise<void> {
    return this.containers.kill(ref, signal);
  }

  async remove(ref: string, opts: { force: boolean; volumes: boolean }): Promise<void> {
    const rec = this.containers.resolve(ref);
    await this.containers.remove(rec.id, { force: opts.force, volumes: opts.volumes });
    this.execs.forget(rec.id);
  }

  private matcher(filters: Filters): (rec: ContainerRecord) => boolean {
    for (const k of Object.keys(filters)) if (!containerFilters.has(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    for (const s of filters.status ?? []) {
      if (!statuses.has(s)) throw new InvalidArgument(`invalid filter 'status=${s}'`);
    }
    for (const h of filters.health ?? []) {
      if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h)) {
        throw new InvalidArgument(`Unrecognised filter value for health: ${h}`);
      }
    }
    const names = (filters.name ?? []).map((n) => filterRegExp(n, 'name'));
    const created = (ref: string) => {
      const rec = this.containers.store.find(ref);
      if (!rec) throw new InvalidArgument(`No such container: ${ref}`);
      return rec.created;
    };
    const before = filters.before?.map(created);
    const since = filters.since?.map(created);
    const ancestors = filters.ancestor?.map((a) => this.images.idOf(a) ?? a);
    return (rec) => {
      if (filters.status && !filters.status.includes(rec.state.status)) return false;
      if (names.length && !names.some((re) => re.test(`/${rec.name}`))) return false;
      if (filters.id && !filters.id.some((p) => rec.id.startsWith(p))) return false;
      if (filters.label && !filters.label.every((l) => labelMatches(rec.config.labels, l))) return false;
      if (filters.exited && (rec.state.status !== 'exited' || !filters.exited.includes(String(rec.state.exitCode)))) return false;
      if (ancestors && !ancestors.some((a) => a === rec.imageId || a === rec.config.image)) return false;
      if (before && !before.every((t) => rec.created < t)) return false;
      if (since && !since.every((t) => rec.created > t)) return false;
      if (filters.network && !filters.network.some((f) => this.onNetwork(rec, f))) return false;
      if (filters.volume && !filters.volume.some((v) => (rec.mountPoints ?? []).some((p) => p.name === v || p.source === v || p.destination === v))) return false;
      if (filters.health && !filters.health.includes(rec.state.health?.status ?? 'none')) return false;
      return true;
    };
  }

  /** ps --filter network=: by the network's name or id. */
  private onNetwork(rec: ContainerRecord, ref: string): boolean {
    const mode = rec.hostConfig.networkMode;
    if (mode === 'host' || mode === 'none') return ref === mode || this.networks.find(mode)?.id === ref;
    const n = this.networks.find(ref);
    return n !== undefined && Object.keys(rec.networks ?? {}).some((k) => this.networks.find(k)?.id === n.id);
  }

  async list(opts: { all: boolean; limit: number; size: boolean; filters: Filters }): Promise<Api.ContainerSummary[]> {
    const match = this.matcher(opts.filters);
    const showAll = opts.all || opts.limit > 0 || Object.keys(opts.filters).length > 0;
    // As dockerd: a container waiting to be restarted counts as running.
    const shown = (r: ContainerRecord) => showAll || ['running', 'paused', 'restarting'].includes(r.state.status);
    let recs = this.containers.store.all().filter((r) => shown(r) && match(r));
    recs.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    if (opts.limit > 0) recs = recs.slice(0, opts.limit);
    const now = Date.now();
    if (!opts.size) return recs.map((r) => toApiSummary(r, { now, networks: this.networks }));
    return Promise.all(
      recs.map(async (r) => {
        const rw = (await this.snapshots.usage(r.id).catch(() => ({ size: 0 }))).size;
        return toApiSummary(r, { size: { rw, rootFs: rw + this.images.sizeOf(r.imageId) }, now, networks: this.networks });
      }),
    );
  }

  async inspect(ref: string, size: boolean): Promise<Api.ContainerInspect> {
    const rec = this.containers.resolve(ref);
    const mounts = await this.snapshots.mounts(rec.id).catch(() => []);
    const opt = (k: string) => mounts[0]?.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
    const upper = opt('upperdir');
    const graph = upper
      ? { LowerDir: opt('lowerdir') ?? '', MergedDir: `${this.containers.store.dir(rec.id)}/merged`, UpperDir: upper, WorkDir: opt('workdir') ?? '' }
      : null;
    let sizes: { sizeRw: number; sizeRootFs: number } | undefined;
    if (size) {
      const rw = (await this.snapshots.usage(rec.id).catch(() => ({ size: 0 }))).size;
      sizes = { sizeRw: rw, sizeRootFs: rw + this.images.sizeOf(rec.imageId) };
    }
    const etc = etcFilePaths(this.containers.store.dir(rec.id));
    return toApiInspect(rec, {
      paths: { hosts: etc.hosts, hostname: etc.hostname, resolvConf: etc.resolvConf, log: this.containers.logPath(rec.id) },
      graphDriverData: graph,
      execIds: this.execs.idsOf(rec.id),
      ...(sizes ?? {}),
      networks: this.networks,
    });
  }

  tty(ref: string): boolean {
    return this.containers.resolve(ref).config.tty;
  }

  /** Refuses (before the answer starts) a container that keeps no log. */
  logs(ref: string, q: LogsQuery, signal: AbortSignal): AsyncIterable<Buffer> {
    const rec = this.containers.resolve(ref);
    if (logSettings(rec.hostConfig.logConfig).driver === 'none') throw cannotReadLogs();
    const task = this.containers.task(rec.id);
    const stopped = q.follow && task ? task.shim.exited() : undefined;
    return readJsonLog(this.containers.logPath(rec.id), {
      stdout: q.stdout, stderr: q.stderr, sinceNs: q.since ?? 0n, untilNs: q.until ?? 0n, tail: q.tail,
      timestamps: q.timestamps, multiplexed: !rec.config.tty, follow: q.follow && !!task, signal,
    }, stopped);
  }

  async attach(ref: string, socket: Socket, q: AttachQuery): Promise<void> {
    const rec = this.containers.resolve(ref);
    if (q.logs) {
      for await (const c of readJsonLog(this.containers.logPath(rec.id), {
        stdout: q.stdout, stderr: q.stderr, sinceNs: 0n, untilNs: 0n, tail: -1, timestamps: false,
        multiplexed: !rec.config.tty, follow: false,
      })) {
        // The whole log may be large: it goes out at the pace the client reads it.
        if (!(await writeWithBackpressure(socket, c))) return;
      }
    }
    if (!q.stream) {
      socket.end();
      return;
    }
    await this.containers.attach(rec.id, {
      socket, stdin: q.stdin, stdout: q.stdout, stderr: q.stderr, multiplexed: !rec.config.tty,
      detachKeys: parseDetachKeys(q.detachKeys),
    });
  }

  async wait(ref: string, condition: string, signal: AbortSignal): Promise<Api.ContainerWaitResponse> {
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) {
      throw new InvalidArgument(`invalid condition: "${condition}"`);
    }
    const r = await this.containers.wait(ref, condition as WaitCondition, signal);
    return { Error: r.error ? { Message: r.error } : null, StatusCode: r.statusCode };
  }

  resize(ref: string, rows: number, cols: number): void {
    this.containers.resize(ref, rows, cols);
  }

  /** `ps` on the host, narrowed to the container's processes, as moby does it. */
  async top(ref: string, psArgs: string): Promise<Api.ContainerTopResponse> {
    const { rec, pids } = await this.containers.pids(ref);
    const args = psArgs ? psArgs.split(/\s+/).filter(Boolean) : ['-ef'];
    const { stdout } = await run('ps', args).catch((err: { stderr?: string; message: string }) => {
      throw new InvalidArgument(`ps: ${err.stderr?.trim() || err.message}`);
    });
    const lines = stdout.split('\n').filter(Boolean);
    const titles = (lines[0] ?? '').trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    if (pidCol < 0) throw new InvalidArgument(`Couldn't find PID field in ps output`);
    const want = new Set(pids);
    const processes: string[][] = [];
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (!want.has(Number(fields[pidCol]))) continue;
      const head = fields.slice(0, titles.length - 1);
      processes.push([...head, fields.slice(titles.length - 1).join(' ')]);
    }
    this.containers.event(rec, 'top');
    return { Titles: titles, Processes: processes };
  }

  rename(ref: string, name: string): Promise<void> {
    return this.containers.rename(ref, name);
  }

  pause(ref: string): Promise<void> {
    return this.containers.pause(ref);
  }

  unpause(ref: string): Promise<void> {
    return this.containers.unpause(ref);
  }

  async prune(filters: Filters): Promise<Api.ContainerPruneResponse> {
    for (const k of Object.keys(filters)) if (!['label', 'label!', 'until'].includes(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    const untilMs = untilFilterMs(filters);
    const wanted = (rec: ContainerRecord) => {
      if (filters.label && !filters.label.every((l) => labelMatches(rec.config.labels, l))) return false;
      if (filters['label!'] && filters['label!'].some((l) => labelMatches(rec.config.labels, l))) return false;
      if (untilMs !== undefined && Date.parse(rec.created) >= untilMs) return false;
      return true;
    };
    // What each will free is measured before it goes.
    const sizes = new Map<string, number>();
    for (const rec of this.containers.store.all()) {
      if (rec.state.status !== 'exited' && rec.state.status !== 'created' && rec.state.status !== 'dead') continue;
      if (wanted(rec)) sizes.set(rec.id, (await this.snapshots.usage(rec.id).catch(() => ({ size: 0 }))).size);
    }
    const ids = await this.containers.prune((rec) => sizes.has(rec.id));
    for (const id of ids) this.execs.forget(id);
    return { ContainersDeleted: ids.length ? ids : null, SpaceReclaimed: ids.reduce((a, id) => a + (sizes.get(id) ?? 0), 0) };
  }
}

/** The Engine API's view of execs. */
export class ExecBackendAdapter implements ExecBackend {
  constructor(private readonly execs: ExecService) {}

  async create(ref: string, b: Api.ExecCreateRequest): Promise<{ Id: string }> {
    const id = this.execs.create(ref, {
      cmd: b.Cmd ?? [],
      env: b.Env ?? [],
      user: b.User ?? '',
      workingDir: b.WorkingDir ?? '',
      tty: b.Tty ?? false,
      privileged: b.Privileged ?? false,
      attachStdin: b.AttachStdin ?? false,
      attachStdout: b.AttachStdout ?? true,
      attachStderr: b.AttachStderr ?? true,
      detachKeys: b.DetachKeys ?? '',
      consoleSize: b.ConsoleSize && b.ConsoleSize[0] && b.ConsoleSize[1] ? [b.ConsoleSize[0], b.ConsoleSize[1]] : null,
    });
    return { Id: id };
  }

  async start(id: string, body: Api.ExecStartRequest, socket: Socket | undefined): Promise<{ ok: boolean; message?: string; programError?: boolean }> {
    const e = this.execs.get(id);
    const size = body.ConsoleSize && body.ConsoleSize[0] && body.ConsoleSize[1] ? ([body.ConsoleSize[0], body.ConsoleSize[1]] as [number, number]) : null;
    const stream = socket
      ? {
          socket, stdin: e.config.attachStdin, stdout: e.config.attachStdout, stderr: e.config.attachStderr,
          multiplexed: !e.config.tty, detachKeys: parseDetachKeys(e.config.detachKeys),
        }
      : undefined;
    const r = await this.execs.start(id, { ...(stream ? { stream } : {}), consoleSize: size });
    // 126/127: the program could not be found or run (moby answers those 400 too).
    return r.ok ? { ok: true } : { ok: false, message: r.message, programError: e.exitCode === 126 || e.exitCode === 127 };
  }

  inspect(id: string): Api.ExecInspect {
    const e = this.execs.get(id);
    return {
      CanRemove: false,
      DetachKeys: e.config.detachKeys,
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: {
        privileged: e.config.privileged,
        user: e.config.user,
        tty: e.config.tty,
        entrypoint: e.config.cmd[0] ?? '',
        arguments: e.config.cmd.slice(1),
      },
      OpenStdin: e.config.attachStdin,
      OpenStderr: e.config.attachStderr,
      OpenStdout: e.config.attachStdout,
      ContainerID: e.containerId,
      Pid: e.pid,
    };
  }

  resize(id: string, rows: number, cols: number): void {
    this.execs.resize(id, rows, cols);
  }

  tty(id: string): boolean {
    return this.execs.get(id).config.tty;
  }
}
