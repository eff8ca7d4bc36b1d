import { rm, rmdir } from 'node:fs/promises';
import { errnoCode, Internal } from '../../common/errors.js';
import { cgroupPids, type CgroupLayout, setFrozen } from '../cgroups.js';
import { type ContainerRecord, containerDir, recordState } from './container-record.js';
import { runHooksWarning } from './run-hooks.js';
import { containerStatus } from './container-status.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function signalQuietly(pid: number, sig: number): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

/** Signals every process of the container's cgroup, frozen meanwhile so that none forks past the signal. */
export async function signalAllProcesses(rec: ContainerRecord, opts: { layout: CgroupLayout; signal: number }): Promise<void> {
  const canFreeze = rec.cgroups.freezeFile !== undefined;
  if (canFreeze) await setFrozen(rec.cgroups, opts.layout, true).catch(() => {});
  for (const pid of await cgroupPids(rec.cgroups)) signalQuietly(pid, opts.signal);
  if (canFreeze) await setFrozen(rec.cgroups, opts.layout, false).catch(() => {});
}

/**
 * SIGKILLs the init and waits (10 s at most, as runc) until it is gone; a frozen init is thawed
 * first, because v1 holds a signal to a frozen task until it thaws.
 */
export async function killAndWait(rec: ContainerRecord, opts: { root: string; layout: CgroupLayout }): Promise<void> {
  if (rec.pid > 0) signalQuietly(rec.pid, 9);
  if (containerStatus(opts.root, rec) === 'paused') await setFrozen(rec.cgroups, opts.layout, false).catch(() => {});
  for (let i = 0; i < 1000; i++) {
    if (containerStatus(opts.root, rec) === 'stopped') return;
    await sleep(10);
  }
  throw new Internal('container init still running');
}

async function removeCgroup(dir: string): Promise<void> {
  // A v1 cgroup stays busy for a moment after its last task has exited.
  for (let delay = 5; ; delay *= 2) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || delay > 640) throw new Internal(`remove cgroup "${dir}"`, { cause: err });
      await sleep(delay);
    }
  }
}

/**
 * Undoes a create once the init is gone, then runs the poststop hooks: processes left in the cgroup die first when the container
 * has no pid namespace of its own (with one, the kernel killed them with the init), then the
 * cgroups and the state directory go.
 */
export async function destroyContainer(rec: ContainerRecord, opts: { root: string; layout: CgroupLayout; warn?: (msg: string) => void }): Promise<void> {
  if (!rec.privatePidNamespace) await signalAllProcesses(rec, { layout: opts.layout, signal: 9 });
  // Deepest first: a nested cgroupsPath may list a directory and its parent.
  const leaves = [...new Set(rec.cgroupLeaves)].sort((a, b) => b.length - a.length);
  const results = await Promise.allSettled(leaves.map(removeCgroup));
  await rm(containerDir(opts.root, rec.id), { recursive: true, force: true });
  // After the container is gone, as the spec orders; a failing one is only a warning.
  if (rec.hooks?.poststop?.length) {
    await runHooksWarning(rec.hooks.poststop, recordState(rec, 'stopped'), opts.warn ?? (() => {}));
  }
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
