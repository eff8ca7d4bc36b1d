import type { OciNamespaceType, OciProcess, OciSpec } from '../oci/runtime-spec.js';
import type { CgroupSetup } from './cgroups.js';
import type { ShimLaunch } from './shim.js';

/** A container's first process, ready to be created. */
export interface InitTask {
  id: string;
  /** The full OCI config; root.path is where the root filesystem is mounted. */
  spec: OciSpec;
  /** How to mount the root filesystem there (an overlay of the image's layers). */
  rootfsMount: { type: string; source: string; options: string[] };
  /** The container's runtime state directory (under the exec root). */
  stateDir: string;
}

export interface PreparedInit {
  launch: ShimLaunch;
  cgroups: CgroupSetup;
  /** Directories the shim removes once the process has exited. */
  cleanupDirs: string[];
}

/** Another process in a running container. */
export interface ExecTask {
  containerId: string;
  execId: string;
  stateDir: string;
  spec: OciSpec;
  initPid: number;
  process: OciProcess;
}

/**
 * An OCI runtime as the daemon drives it. Drivers only say how a process is to be created; the
 * shim creates it. Lifecycle: prepareInit → (the shim runs it) → cleanup after the exit.
 */
export interface RuntimeDriver {
  readonly name: string;
  prepareInit(task: InitTask): Promise<PreparedInit>;
  prepareExec(task: ExecTask): Promise<ShimLaunch>;
  /** Undoes what prepareInit left outside the shim's reach. Idempotent. */
  cleanup(task: { id: string; stateDir: string; rootfs: string }): Promise<void>;
  /** The message of a failed create, when the runtime wrote one somewhere. */
  failureDetail(task: { stateDir: string }): Promise<string | undefined>;
}

/** The namespace types a container has, new or joined: what an exec enters. */
export function containerNamespaces(spec: OciSpec): OciNamespaceType[] {
  return (spec.linux?.namespaces ?? []).map((n) => n.type);
}
