import type { CgroupLayout } from './cgroups.js';
import { cgroupSetup } from './cgroups.js';
import { compileExecPlan, compileInitPlan } from './plan.js';
import { containerNamespaces, type ExecTask, type InitTask, type PreparedInit, type RuntimeDriver } from './runtime-driver.js';
import type { ShimLaunch } from './shim.js';

/**
 * Berth's own runtime: the plan is compiled here, in the daemon, and carried out by the shim
 * itself (clone, setup, exec), so no other program starts on the way to the container.
 */
export class BerthDriver implements RuntimeDriver {
  readonly name = 'berth';

  constructor(private readonly cgroups: CgroupLayout) {}

  async prepareInit(task: InitTask): Promise<PreparedInit> {
    const { plan, cgroups } = compileInitPlan(task.spec, {
      rootfsMount: task.rootfsMount,
      cgroups: this.cgroups,
    });
    return { launch: { kind: 'plan', plan }, cgroups, cleanupDirs: cgroups.leaves };
  }

  async prepareExec(task: ExecTask): Promise<ShimLaunch> {
    const linux = task.spec.linux ?? {};
    const cg = cgroupSetup(this.cgroups, linux.cgroupsPath ?? '', {});
    const plan = compileExecPlan(task.process, {
      initPid: task.initPid,
      namespaces: containerNamespaces(task.spec),
      cgroupProcs: cg.procs,
    });
    return { kind: 'plan', plan };
  }

  async cleanup(): Promise<void> {
    // The rootfs was mounted inside the container's own mount namespace: it went with it.
  }

  async failureDetail(): Promise<string | undefined> {
    return undefined;
  }
}
