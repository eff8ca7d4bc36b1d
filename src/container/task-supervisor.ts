import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { OciProcess, OciSpec } from '../oci/runtime-spec.js';
import { type CgroupLayout, type CgroupSetup, cgroupSetup } from '../runtime/cgroups.js';
import type { RuntimeDriver } from '../runtime/runtime-driver.js';
import { type AttachStream, handOff, readExitFile, Shim, type ShimExit } from '../runtime/shim.js';

/** A container's running first process: its shim, and what is needed to act on it. */
export interface Task {
  id: string;
  shim: Shim;
  driver: RuntimeDriver;
  cgroups: CgroupSetup;
  stateDir: string;
  rootfs: string;
}

export interface TaskStart {
  id: string;
  spec: OciSpec;
  rootfsMount: { type: string; source: string; options: string[] };
  runtime: string;
  /** Undefined: no log (--log-driver none). */
  logPath?: string;
  logRotation?: { maxSize: number; maxFiles: number; compress: boolean };
  exitPath: string;
  openStdin: boolean;
  stdinOnce: boolean;
  attach: AttachStream[];
}

export interface SupervisorOptions {
  shimBinary: string;
  /** Runtime state: one directory per container (mount point, bundle, diagnostics). */
  stateRoot: string;
  /**
   * The shims' sockets, named by the first 32 hex digits of the container id: a socket path
   * must fit in 108 bytes, which a 64-digit id in a state directory does not leave room for.
   */
  socketRoot: string;
  drivers: ReadonlyMap<string, RuntimeDriver>;
  cgroups: CgroupLayout;
  cgroupParent: string;
  log: Logger;
}

/**
 * The supervisor: starts shims, keeps the handles of running tasks, and finds them again after a
 * daemon restart. It never keeps a process of its own per container: the shims do.
 */
export class TaskSupervisor {
  private tasks = new Map<string, Task>();

  constructor(private readonly o: SupervisorOptions) {}

  stateDir(id: string): string {
    return join(this.o.stateRoot, id);
  }

  socketPath(id: string): string {
    return join(this.o.socketRoot, `${id.slice(0, 32)}.sock`);
  }

  rootfsDir(id: string): string {
    return join(this.stateDir(id), 'rootfs');
  }

  driver(name: string): RuntimeDriver {
    const d = this.o.drivers.get(name);
    if (!d) throw new InvalidArgument(`unknown or invalid runtime name: ${name}`);
    return d;
  }

  get(id: string): Task | undefined {
    return this.tasks.get(id);
  }

  /** Creates the container's process; resolves once it runs. Throws ShimStartError when it could not. */
  async start(t: TaskStart): Promise<Task> {
    const driver = this.driver(t.runtime);
    const stateDir = this.stateDir(t.id);
    const rootfs = t.spec.root!.path;
    await Promise.all([mkdir(rootfs, { recursive: true }), unlink(t.exitPath).catch(() => {})]);
    const prepared = await driver.prepareInit({ id: t.id, spec: t.spec, rootfsMount: t.rootfsMount, stateDir });
    const proc = t.spec.process!;
    const shim = await Shim.spawn(this.o.shimBinary, {
      id: t.id,
      socketPath: this.socketPath(t.id),
      ...(t.logPath ? { logPath: t.logPath } : {}),
      ...(t.logRotation ? { logRotation: t.logRotation } : {}),
      exitPath: t.exitPath,
      tty: proc.terminal === true,
      stdin: t.openStdin,
      stdinOnce: t.stdinOnce,
      ...(proc.consoleSize ? { winsize: { rows: proc.consoleSize.height, cols: proc.consoleSize.width } } : {}),
      attach: t.attach,
      cleanupDirs: prepared.cleanupDirs,
      ...(prepared.cgroups.oomFile ? { oomFile: prepared.cgroups.oomFile } : {}),
      launch: prepared.launch,
      diagnosticsPath: join(stateDir, 'shim.log'),
    });
    const task: Task = { id: t.id, shim, driver, cgroups: prepared.cgroups, stateDir, rootfs };
    this.tasks.set(t.id, task);
    return task;
  }

  /**
   * Finds the task of a container recorded as running: its shim if still there (it may report an
   * exit that happened meanwhile), else the exit the shim left on disk.
   */
  async restore(id: string, runtime: string, exitPath: string): Promise<Task | ShimExit> {
    const stateDir = this.stateDir(id);
    try {
      const shim = await Shim.connect(this.socketPath(id), exitPath);
      const task: Task = {
        id,
        shim,
        driver: this.driver(runtime),
        cgroups: cgroupSetup(this.o.cgroups, `${this.o.cgroupParent}/${id}`, {}),
        stateDir,
        rootfs: this.rootfsDir(id),
      };
      this.tasks.set(id, task);
      return task;
    } catch {
      const recorded = await readExitFile(exitPath);
      // Neither a shim nor its record: the machine went down with it. Docker reports such as 255.
      return recorded ?? { status: 255 << 8, pid: 0, finishedAt: new Date(), oom: '' };
    }
  }

  /** Forgets a task whose process has exited and undoes what the runtime left. */
  async release(id: string, runtime: string): Promise<void> {
    const task = this.tasks.get(id);
    this.tasks.delete(id);
    task?.shim.close();
    const driver = this.o.drivers.get(runtime);
    await driver?.cleanup({ id, stateDir: this.stateDir(id), rootfs: this.rootfsDir(id) });
  }

  hasShimSocket(id: string): boolean {
    return existsSync(this.socketPath(id));
  }

  /** Removes runtime state directories of containers that no longer exist. */
  async pruneStates(known: ReadonlySet<string>): Promise<void> {
    const ids = await readdir(this.o.stateRoot).catch(() => [] as string[]);
    for (const id of ids) {
      if (known.has(id) || this.tasks.has(id)) continue;
      for (const d of this.o.drivers.values()) {
        await d.cleanup({ id, stateDir: this.stateDir(id), rootfs: this.rootfsDir(id) }).catch(() => {});
      }
      await rm(this.stateDir(id), { recursive: true, force: true }).catch((err) => this.o.log.warn('cannot remove stale runtime state', { id, error: err }));
    }
  }

  /** Removes the container's runtime state directory (after the task is released). */
  async removeState(id: string): Promise<void> {
    await rm(this.stateDir(id), { recursive: true, force: true });
  }

  /** Hands a client stream to the running task's shim. */
  async attach(task: Task, stream: AttachStream): Promise<void> {
    await handOff(this.o.shimBinary, this.socketPath(task.id), stream);
  }

  /** Starts another process in the task's container, with its own shim. */
  async exec(task: Task, spec: OciSpec, execId: string, process: OciProcess, io: { stdin: boolean; attach: AttachStream[]; logPath?: string }): Promise<Shim> {
    const launch = await task.driver.prepareExec({
      containerId: task.id,
      execId,
      stateDir: task.stateDir,
      spec,
      initPid: task.shim.pid,
      process,
    });
    return Shim.spawn(this.o.shimBinary, {
      id: execId,
      tty: process.terminal === true,
      stdin: io.stdin,
      stdinOnce: true,
      ...(process.consoleSize ? { winsize: { rows: process.consoleSize.height, cols: process.consoleSize.width } } : {}),
      attach: io.attach,
      ...(io.logPath ? { logPath: io.logPath } : {}),
      cleanupDirs: [],
      launch,
      diagnosticsPath: join(task.stateDir, 'shim.log'),
    });
  }
}

export type { ShimExit };
