import type { OciSpec } from '../oci/runtime-spec.js';
import type { CgroupLayout } from './cgroups.js';
import { cgroupSetup } from './cgroups.js';
import { compileExecPlan, compileInitPlan } from './plan.js';
import { containerNamespaces, type ExecTask, type InitTask, type PreparedInit, type RuntimeDriver } from './runtime-driver.js';
import { SeccompCompiler } from './seccomp/seccomp-compiler.js';
import type { ShimLaunch } from './shim.js';

export interface BerthDriverOptions {
  /** Compiles and keeps the containers' seccomp filters (in memory only by default). */
  seccomp?: SeccompCompiler;
}

/**
 * Berth's own runtime: the plan is compiled here, in the daemon, and carried out by the shim
 * itself (clone, setup, exec), so no other program starts on the way to the container. A seccomp
 * section is compiled once per distinct profile and its program loaded by the process itself.
 */
export class BerthDriver implements RuntimeDriver {
  readonly name = 'berth';
  private readonly seccomp: SeccompCompiler;

  constructor(private readonly cgroups: CgroupLayout, o: BerthDriverOptions = {}) {
    this.seccomp = o.seccomp ?? new SeccompCompiler();
  }

  async prepareInit(task: InitTask): Promise<PreparedInit> {
    const program = await this.seccompProgram(task.spec);
    const { plan, cgroups } = compileInitPlan(task.spec, {
      rootfsMount: task.rootfsMount,
      cgroups: this.cgroups,
      ...(program ? { seccomp: program } : {}),
    });
    return { launch: { kind: 'plan', plan }, cgroups, cleanupDirs: cgroups.leaves };
  }

  /** An exec runs under the container's filter, as runc's does. */
  async prepareExec(task: ExecTask): Promise<ShimLaunch> {
    const program = await this.seccompProgram(task.spec);
    const linux = task.spec.linux ?? {};
    const cg = cgroupSetup(this.cgroups, linux.cgroupsPath ?? '', {});
    const plan = compileExecPlan(task.process, {
      initPid: task.initPid,
      namespaces: containerNamespaces(task.spec),
      cgroupProcs: cg.procs,
      ...(program ? { seccomp: program } : {}),
    });
    return { kind: 'plan', plan };
  }

  async cleanup(): Promise<void> {
    // The rootfs was mounted inside the container's own mount namespace: it went with it.
  }

  async failureDetail(): Promise<string | undefined> {
    return undefined;
  }

  private seccompProgram(spec: OciSpec): Promise<Buffer | undefined> {
    const section = spec.linux?.seccomp;
    return section ? this.seccomp.compile(section) : Promise.resolve(undefined);
  }

}
