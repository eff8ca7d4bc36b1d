import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CgroupLayout } from './cgroups.js';
import { cgroupSetup } from './cgroups.js';
import type { ExecTask, InitTask, PreparedInit, RuntimeDriver } from './runtime-driver.js';
import type { ShimLaunch } from './shim.js';

const run = promisify(execFile);

/**
 * An OCI runtime with runc's command line (runc, crun, berth-runtime): the bundle is written to
 * disk, the root filesystem is mounted on the host first, and the shim runs `create` and `start`.
 */
export class OciCliDriver implements RuntimeDriver {
  constructor(
    readonly name: string,
    private readonly binary: string,
    private readonly stateRoot: string,
    private readonly cgroups: CgroupLayout,
    /** Where console sockets go: short paths (108 bytes at most), whatever the state directory. */
    private readonly socketDir: string,
  ) {}

  private base(stateDir: string): string[] {
    return [this.binary, '--root', this.stateRoot, '--log', join(stateDir, 'runtime.log'), '--log-format', 'json'];
  }

  async prepareInit(task: InitTask): Promise<PreparedInit> {
    const spec = task.spec;
    const rootfs = spec.root?.path ?? join(task.stateDir, 'rootfs');
    await mkdir(rootfs, { recursive: true });
    const m = task.rootfsMount;
    await run('mount', ['-t', m.type, '-o', m.options.join(','), m.source, rootfs]);
    await writeFile(join(task.stateDir, 'config.json'), JSON.stringify(spec));
    const pidFile = join(task.stateDir, 'init.pid');
    const consoleSocket = spec.process?.terminal ? join(this.socketDir, `${task.id.slice(0, 32)}.con`) : undefined;
    const create = [...this.base(task.stateDir), 'create', '--bundle', task.stateDir, '--pid-file', pidFile];
    if (consoleSocket) create.push('--console-socket', consoleSocket);
    create.push(task.id);
    const cgroups = cgroupSetup(this.cgroups, spec.linux?.cgroupsPath ?? '', {});
    return {
      launch: { kind: 'command', create, start: [...this.base(task.stateDir), 'start', task.id], pidFile, consoleSocket },
      cgroups,
      cleanupDirs: [],
    };
  }

  async prepareExec(task: ExecTask): Promise<ShimLaunch> {
    const processFile = join(task.stateDir, `exec-${task.execId}.json`);
    const pidFile = join(task.stateDir, `exec-${task.execId.slice(0, 12)}.pid`);
    await writeFile(processFile, JSON.stringify(task.process));
    // Detached, as containerd runs it: runc refuses a console socket otherwise, and the process
    // becomes the shim's (a subreaper) once runc exits.
    const create = [...this.base(task.stateDir), 'exec', '--detach', '--pid-file', pidFile, '--process', processFile];
    const consoleSocket = task.process.terminal ? join(this.socketDir, `${task.execId.slice(0, 32)}.con`) : undefined;
    if (consoleSocket) create.push('--console-socket', consoleSocket);
    create.push(task.containerId);
    return { kind: 'command', create, pidFile, ...(consoleSocket ? { consoleSocket } : {}) };
  }

  async cleanup(task: { id: string; stateDir: string; rootfs: string }): Promise<void> {
    await run(this.binary, ['--root', this.stateRoot, 'delete', '--force', task.id]).catch(() => {});
    await run('umount', [task.rootfs]).catch(() => {});
    await rm(join(task.stateDir, 'config.json'), { force: true });
  }

  async failureDetail(task: { stateDir: string }): Promise<string | undefined> {
    const log = await readFile(join(task.stateDir, 'runtime.log'), 'utf8').catch(() => '');
    let msg: string | undefined;
    for (const line of log.split('\n')) {
      try {
        const e = JSON.parse(line) as { level?: string; msg?: string };
        if (e.level === 'error' && e.msg) msg = e.msg;
      } catch {
        // not a JSON line
      }
    }
    return msg;
  }
}
