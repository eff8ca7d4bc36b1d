import type { ContainerRecord } from './container-record.js';
import type { ContainerStatus } from './container-status.js';

/** The OCI state with runc's additions, in runc's key order (its containerState struct). */
export interface RuncState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
}

/** runc reports pid 0 for a stopped container: the old pid may belong to someone else by now. */
export function runcState(rec: ContainerRecord, opts: { status: ContainerStatus; owner?: string }): RuncState {
  const { status, owner = '' } = opts;
  const annotations = rec.annotations && Object.keys(rec.annotations).length > 0 ? rec.annotations : undefined;
  return {
    ociVersion: rec.ociVersion,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    ...(annotations ? { annotations } : {}),
    owner,
  };
}
