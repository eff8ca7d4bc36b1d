import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomId } from '../common/digest.js';
import { Conflict, InvalidArgument } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import type { Logger } from '../common/log.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { exitCodeOf, ShimStartError, type AttachStream, type Shim } from '../runtime/shim.js';
import { describeFailure, isProgramError, programExitCode } from '../runtime/spawn-failure.js';
import type { ContainerRecord } from './container.js';
import { containerEventAttributes, type ContainerService } from './container-service.js';
import { etcFilePaths } from './etc-files.js';
import { noSuchExec, notRunning } from './errors.js';
import { buildSpec, initProcess, processEnv } from './oci-spec-builder.js';
import type { TaskSupervisor } from './task-supervisor.js';
import { resolveUser } from './user-lookup.js';
import { goDuration } from './healthcheck-config.js';
import { parseLogLine } from './json-log-reader.js';
import { SIGKILL } from './signals.js';

const PROBE_OUTPUT_MAX = 4096;

/** What a probe printed (both streams, in order), cut at moby's 4 KiB. */
async function readProbeOutput(path: string): Promise<string> {
  const text = await readFile(path).catch(() => Buffer.alloc(0));
  const parts: Buffer[] = [];
  let size = 0;
  for (const line of text.toString('latin1').split('\n')) {
    if (!line || size >= PROBE_OUTPUT_MAX) continue;
    const entry = parseLogLine(Buffer.from(line, 'latin1'));
    if (!entry) continue;
    parts.push(entry.log);
    size += entry.log.length;
  }
  return Buffer.concat(parts).subarray(0, PROBE_OUTPUT_MAX).toString('utf8');
}

export interface ExecConfig {
  cmd: string[];
  env: string[];
  user: string;
  workingDir: string;
  tty: boolean;
  privileged: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
  consoleSize: [number, number] | null;
}

/** An exec instance, as Docker keeps it until its container goes. */
export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  shim?: Shim;
  /** A resize that came while the exec was starting (the CLI sends one right after its start). */
  pendingSize?: [number, number];
}

/** How the start of an exec ended, for the API to tell the client. */
export type ExecStartResult = { ok: true } | { ok: false; message: string };

export interface ExecServiceOptions {
  containers: ContainerService;
  supervisor: TaskSupervisor;
  snapshots: Snapshotter;
  events: EventSink;
  log: Logger;
  hostCapabilities: string[];
  cgroupParent: string;
}

/** Processes started in running containers (docker exec). */
export class ExecService {
  private execs = new Map<string, ExecRecord>();

  constructor(private readonly o: ExecServiceOptions) {}

  private runningContainer(ref: string): ContainerRecord {
    const rec = this.o.containers.resolve(ref);
    if (rec.state.status === 'paused') throw new Conflict(`Container ${rec.id} is paused, unpause the container before exec`);
    if (rec.state.status !== 'running' || !this.o.containers.task(rec.id)) throw notRunning(rec.id);
    return rec;
  }

  create(ref: string, config: ExecConfig): string {
    const rec = this.runningContainer(ref);
    if (!config.cmd.length) throw new InvalidArgument('No exec command specified');
    const id = randomId();
    this.execs.set(id, { id, containerId: rec.id, config, running: false, exitCode: null, pid: 0 });
    this.o.events.publish({
      type: 'container',
      action: `exec_create: ${config.cmd.join(' ')}`,
      id: rec.id,
      attributes: containerEventAttributes(rec, { execID: id }),
    });
    return id;
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw noSuchExec(id);
    return e;
  }

  /** The exec ids of a container (inspect's ExecIDs). */
  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /** Forgets the execs of a removed container. */
  forget(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }

  /**
   * Starts the exec with the client stream (or detached, without one). Resolves once the process
   * runs or could not be started; a program that cannot start gives Docker's 126/127.
   */
  async start(id: string, opts: { stream?: AttachStream; consoleSize?: [number, number] | null; logPath?: string }): Promise<ExecStartResult> {
    const e = this.get(id);
    if (e.running || e.exitCode !== null) throw new Conflict(`Error: Exec command ${id} is already running`);
    const rec = this.runningContainer(e.containerId);
    const task = this.o.containers.task(rec.id)!;
    const mounts = await this.o.snapshots.mounts(rec.id);
    const layerDirs = mounts[0]?.options.flatMap((o) => {
      if (o.startsWith('upperdir=')) return [o.slice(9)];
      if (o.startsWith('lowerdir=')) return o.slice(9).split(':');
      return [];
    }) ?? [];
    const user = await resolveUser(e.config.user || rec.config.user, layerDirs, rec.hostConfig.groupAdd);
    const spec = buildSpec({
      record: rec,
      user,
      rootfs: this.o.supervisor.rootfsDir(rec.id),
      etc: etcFilePaths(this.o.containers.store.dir(rec.id)),
      hostCapabilities: this.o.hostCapabilities,
      cgroupParent: rec.hostConfig.cgroupParent || this.o.cgroupParent,
    });
    const base = initProcess(e.config.privileged ? { ...rec, hostConfig: { ...rec.hostConfig, privileged: true } } : rec, user, this.o.hostCapabilities);
    const size = opts.consoleSize ?? e.config.consoleSize;
    const process = {
      ...base,
      terminal: e.config.tty,
      args: e.config.cmd,
      env: processEnv(rec, user.home, e.config.env),
      cwd: e.config.workingDir || rec.config.workingDir || '/',
      ...(size && size[0] && size[1] ? { consoleSize: { height: size[0], width: size[1] } } : {}),
    };
    const attach = opts.stream ? [{ ...opts.stream, multiplexed: !e.config.tty }] : [];
    e.running = true;
    let shim: Shim;
    try {
      shim = await this.o.supervisor.exec(task, spec, id, process, { stdin: e.config.attachStdin && !!opts.stream, attach, ...(opts.logPath ? { logPath: opts.logPath } : {}) });
    } catch (err) {
      e.running = false;
      if (!(err instanceof ShimStartError)) throw err;
      const f = err.failure;
      e.exitCode = isProgramError(f) ? programExitCode(f) : 126;
      const message = `OCI runtime exec failed: exec failed: unable to start container process: ${describeFailure(f)}: unknown`;
      return { ok: false, message };
    }
    e.shim = shim;
    e.pid = shim.pid;
    if (e.pendingSize) shim.resize(...e.pendingSize);
    this.o.events.publish({
      type: 'container',
      action: `exec_start: ${e.config.cmd.join(' ')}`,
      id: rec.id,
      attributes: containerEventAttributes(rec, { execID: id }),
    });
    // The promise, not the event: a short exec may have exited in the same read as its start.
    void shim.exited().then((x) => {
      e.running = false;
      e.exitCode = exitCodeOf(x.status);
      e.shim = undefined;
      this.o.events.publish({
        type: 'container',
        action: 'exec_die',
        id: rec.id,
        attributes: containerEventAttributes(rec, { execID: id, exitCode: String(e.exitCode) }),
      });
    });
    return { ok: true };
  }

  /**
   * Runs a healthcheck probe as moby does: an exec (with its events) whose output is kept (at
   * most 4 KiB) and which is killed at the timeout. Forgotten once done.
   */
  async probe(containerId: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const id = this.create(containerId, {
      cmd, env: [], user: '', workingDir: '', tty: false, privileged: false, attachStdin: false,
      attachStdout: true, attachStderr: true, detachKeys: '', consoleSize: null,
    });
    const task = this.o.containers.task(containerId);
    const logPath = join(task?.stateDir ?? tmpdir(), `probe-${id.slice(0, 16)}.log`);
    try {
      const started = await this.start(id, { logPath });
      const e = this.get(id);
      if (!started.ok) return { exitCode: -1, output: started.message };
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        e.shim ? e.shim.exited().then(() => false) : Promise.resolve(false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        e.shim?.kill(SIGKILL);
        return { exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeoutMs)})` };
      }
      await e.shim?.exited();
      // The exit handler above sets the code in the same microtask queue.
      await new Promise((r) => setImmediate(r));
      return { exitCode: e.exitCode ?? -1, output: await readProbeOutput(logPath) };
    } finally {
      this.execs.delete(id);
      await rm(logPath, { force: true }).catch(() => {});
    }
  }

  resize(id: string, rows: number, cols: number): void {
    const e = this.get(id);
    if (e.shim) e.shim.resize(rows, cols);
    else if (e.running) e.pendingSize = [rows, cols];
    else throw new Conflict(`Exec ${id} is not running`);
  }
}
