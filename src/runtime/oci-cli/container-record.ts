import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteJson } from '../../common/atomic-write.js';
import { Conflict, InvalidArgument, isNotFoundError, NotFound } from '../../common/errors.js';
import type { OciHooks, OciNamespaceType, OciProcess } from '../../oci/runtime-spec.js';
import type { CgroupSetup } from '../cgroups.js';
import { stateJson } from '../hook-records.js';
import type { ContainerStatus } from './container-status.js';

/**
 * What `<root>/<id>/state.json` holds. It is written once before the init exists (pid 0, the
 * creator named instead) and once after. The status it holds is only what it was at that write:
 * every reader computes the live one from the system, as runc does (see containerStatus).
 */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  /** The init's pid on the host; 0 while it is being created. */
  pid: number;
  /** The init's start time (/proc/<pid>/stat field 22): a reused pid does not match it. */
  pidStartTime: string;
  /** As of the last write; never read back (see containerStatus). */
  status: ContainerStatus;
  /** The `create`/`run` process that writes the record: while pid is 0, the container is "creating" as long as it lives. */
  creator: { pid: number; startTime: string };
  /** Absolute. */
  bundle: string;
  /** Absolute. */
  rootfs: string;
  /** RFC 3339 with nanoseconds. */
  created: string;
  annotations?: Record<string, string>;
  /** The cgroupsPath it was placed at: the config's when absolute, else the path under the runtime's own cgroup ("/<id>" by default). */
  cgroupsPath: string;
  /** The cgroup directories and files the container uses. */
  cgroups: CgroupSetup;
  /** Every leaf to remove on delete, also those of hierarchies cgroupSetup does not cover. */
  cgroupLeaves: string[];
  /** Every cgroup.procs an exec joins. */
  cgroupProcs: string[];
  /** The namespace types the container has (new or joined): what an exec enters. */
  namespaces: OciNamespaceType[];
  /** The container has a pid namespace of its own: the kernel ends its other processes with the init. */
  privatePidNamespace: boolean;
  /** The config's process, as `exec` takes its defaults from it (config.json may change after create). */
  process: OciProcess;
  /** The hooks run after create: poststart by `start` (or `run`), poststop by `delete`. */
  hooks?: Pick<OciHooks, 'poststart' | 'poststop'>;
}

/** The runtime-spec version berth-runtime implements, reported in every state. */
export const RUNTIME_SPEC_VERSION = '1.2.0';

export const STATE_FILE = 'state.json';
export const EXEC_FIFO = 'exec.fifo';

export function containerDir(root: string, id: string): string {
  return join(root, id);
}

/** runc's rule: letters, digits, _ + - . and not a path of its own ("." or ".."). */
export function validateId(id: string): void {
  if (!/^[A-Za-z0-9_+.-]+$/.test(id) || id === '.' || id === '..') throw new InvalidArgument('invalid container ID format');
}

export function readRecord(root: string, id: string): ContainerRecord {
  validateId(id);
  let text: string;
  try {
    text = readFileSync(join(containerDir(root, id), STATE_FILE), 'utf8');
  } catch (err) {
    if (isNotFoundError(err)) throw new NotFound('container does not exist', { cause: err });
    throw err;
  }
  return JSON.parse(text) as ContainerRecord;
}

export async function writeRecord(root: string, rec: ContainerRecord): Promise<void> {
  // Renamed into place but not fsynced, as runc does: the root is meant to be a tmpfs (/run), where
  // state does not outlive a reboot anyway, and an fsync would cost every create its time.
  await atomicWriteJson(join(containerDir(root, rec.id), STATE_FILE), rec, { sync: false, mode: 0o600 });
}

/** Makes `<root>/<id>`; an existing one means the id is taken. */
export function makeContainerDir(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = containerDir(root, id);
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Conflict('container with given ID already exists');
    throw err;
  }
  return dir;
}

/** The state JSON a hook reads, at `status` (without a pid once stopped, as runc gives it). */
export function recordState(rec: ContainerRecord, status: 'running' | 'stopped'): string {
  const base = { ociVersion: rec.ociVersion, id: rec.id, bundle: rec.bundle, ...(rec.annotations ? { annotations: rec.annotations } : {}) };
  return stateJson(base, status, status === 'stopped' ? undefined : rec.pid);
}
