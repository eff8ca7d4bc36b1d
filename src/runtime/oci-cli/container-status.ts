import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ContainerRecord, containerDir, EXEC_FIFO } from './container-record.js';
import { isSameProcessAlive } from './proc-stat.js';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

function isFrozen(freezeFile: string | undefined): boolean {
  if (!freezeFile) return false;
  try {
    const s = readFileSync(freezeFile, 'utf8').trim();
    // v1 says FREEZING until every task has stopped; runc counts that as paused too. v2 says 1.
    return s === 'FROZEN' || s === 'FREEZING' || s === '1';
  } catch {
    return false;
  }
}

/**
 * The status, read from the system as runc reads it: the init gone (or its pid reused) is
 * stopped, a frozen cgroup is paused, an exec fifo still there is created (the init waits on it
 * until `start`), anything else runs. Before the init exists the record names its creator:
 * creating while that lives, stopped once it died half-way.
 */
export function containerStatus(root: string, rec: ContainerRecord): ContainerStatus {
  if (rec.pid === 0) return isSameProcessAlive(rec.creator.pid, rec.creator.startTime) ? 'creating' : 'stopped';
  if (!isSameProcessAlive(rec.pid, rec.pidStartTime)) return 'stopped';
  if (isFrozen(rec.cgroups.freezeFile)) return 'paused';
  if (existsSync(join(containerDir(root, rec.id), EXEC_FIFO))) return 'created';
  return 'running';
}
