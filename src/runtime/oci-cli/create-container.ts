import { join, resolve } from 'node:path';
import { InvalidArgument, NotImplemented } from '../../common/errors.js';
import { nowRfc3339Nano } from '../../common/time.js';
import { hostCgroupLayout } from '../cgroups.js';
import { S_IF } from '../linux-constants.js';
import { compileInitPlan } from '../plan.js';
import { PlanOp } from '../plan-codes.js';
import { RecordWriter } from '../record-writer.js';
import { hostCgroupHierarchies } from './cgroup-hierarchies.js';
import { containerCgroups } from './container-cgroups.js';
import { containerSeccomp } from './container-seccomp.js';
import { type ContainerRecord, EXEC_FIFO, makeContainerDir, RUNTIME_SPEC_VERSION, validateId, writeRecord } from './container-record.js';
import { destroyContainer } from './destroy-container.js';
import { loadBundle } from './load-bundle.js';
import type { CommandContext } from './oci-command.js';
import { prepareSpec } from './prepare-spec.js';
import { readProcStat } from './proc-stat.js';
import { type RunningRunner, spawnRunner } from './spawn-runner.js';
import { writePidFile } from './write-pid-file.js';

export interface CreateRequest {
  id: string;
  /** As given on the command line; the current directory by default. */
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** Stop before the program until `start` opens the exec fifo (create); otherwise run it at once (run). */
  startFifo: boolean;
  /** Stay the process's parent and end with it (run without --detach). */
  wait: boolean;
}

/**
 * runc's sanity rules for a terminal: a detached one needs a console socket, and a console socket
 * needs a terminal. runc also refuses a console socket in the foreground; berth-runner can send the
 * pty and still wait, so that is allowed. A foreground terminal without one would need a relay.
 */
function checkTerminal(terminal: boolean, req: CreateRequest): void {
  const detach = !req.wait;
  if (detach && terminal && !req.consoleSocket) {
    throw new InvalidArgument('cannot allocate tty if berth-runtime will detach without setting console socket');
  }
  if (!terminal && req.consoleSocket) throw new InvalidArgument('cannot use console socket if berth-runtime will not allocate tty');
  if (!detach && terminal && !req.consoleSocket) {
    throw new NotImplemented('berth-runtime cannot relay a terminal: pass --console-socket, or set process.terminal to false');
  }
}

/**
 * Creates a container: state directory, cgroups, plan, and berth-runner to carry it out. The
 * record is written before the runner starts (pid 0: "creating") and again with the init's pid;
 * whatever fails on the way is undone.
 */
export async function createContainer(ctx: CommandContext, req: CreateRequest): Promise<{ rec: ContainerRecord; runner: RunningRunner }> {
  const root = ctx.global.root;
  validateId(req.id);
  const { bundle, spec } = loadBundle(req.bundle);
  checkTerminal(spec.process?.terminal === true, req);
  const layout = hostCgroupLayout();
  const cg = containerCgroups(spec, { id: req.id, systemd: ctx.global.systemdCgroup, layout, hierarchies: hostCgroupHierarchies() });
  const prepared = prepareSpec(spec, { bundle, cgroups: cg });
  const dir = makeContainerDir(root, req.id);
  const self = readProcStat(process.pid);
  const namespaces = spec.linux?.namespaces ?? [];
  const rec: ContainerRecord = {
    ociVersion: RUNTIME_SPEC_VERSION,
    id: req.id,
    pid: 0,
    pidStartTime: '',
    status: 'creating',
    creator: { pid: process.pid, startTime: self?.startTime ?? '' },
    bundle,
    rootfs: prepared.root!.path,
    created: nowRfc3339Nano(),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
    cgroupsPath: cg.path,
    cgroups: cg.setup,
    cgroupLeaves: cg.leaves,
    cgroupProcs: cg.procs,
    namespaces: namespaces.map((n) => n.type),
    privatePidNamespace: namespaces.some((n) => n.type === 'pid' && !n.path),
    process: spec.process!,
    ...(spec.hooks?.poststart?.length || spec.hooks?.poststop?.length
      ? { hooks: { ...(spec.hooks.poststart ? { poststart: spec.hooks.poststart } : {}), ...(spec.hooks.poststop ? { poststop: spec.hooks.poststop } : {}) } }
      : {}),
  };
  let runner: RunningRunner | undefined;
  try {
    await writeRecord(root, rec);
    const fifo = join(dir, EXEC_FIFO);
    // Node cannot make a fifo: the init makes it first thing, while it still sees the host's /run.
    const pre = new RecordWriter();
    if (req.startFifo) pre.record(PlanOp.BP_MKNOD, { u32: S_IF.FIFO | 0o622 }, { u32: 0 }, { u32: 0 }, { u32: 0 }, { u32: 0 }, fifo);
    const seccomp = await containerSeccomp(prepared, { root, dir });
    const { plan } = compileInitPlan(prepared, {
      cgroups: cg.layout,
      hookState: { ociVersion: RUNTIME_SPEC_VERSION, id: req.id, bundle, ...(spec.annotations ? { annotations: spec.annotations } : {}) },
      ...(req.startFifo ? { startFifo: fifo } : {}),
      ...(req.consoleSocket ? { consoleSocket: resolve(req.consoleSocket) } : {}),
      ...(seccomp ? { seccomp } : {}),
    });
    const full = Buffer.concat([pre.toBuffer(), cg.extraRecords, plan]);
    ctx.log.debug(`container "${req.id}": plan of ${full.length} bytes, cgroup ${cg.path}`);
    runner = await spawnRunner(full, { wait: req.wait, ...(spec.hooks ? { hooks: spec.hooks } : {}) });
    ctx.log.debug(`container "${req.id}": init pid ${runner.pid}`);
    rec.pid = runner.pid;
    // A process that is already gone has no start time: the container then reads as stopped.
    rec.pidStartTime = readProcStat(runner.pid)?.startTime ?? '';
    rec.status = req.startFifo ? 'created' : 'running';
    await writeRecord(root, rec);
    if (req.pidFile) await writePidFile(req.pidFile, runner.pid);
    return { rec, runner };
  } catch (err) {
    if (runner) {
      try {
        process.kill(runner.pid, 9);
      } catch {
        // Gone already.
      }
      await runner.exited;
    }
    await destroyContainer(rec, { root, layout, warn: (m) => ctx.log.warn(m) }).catch((e: unknown) => ctx.log.warn(`cleaning up after a failed create: ${String(e)}`));
    throw err;
  }
}
