import { MS } from './linux-constants.js';

export interface ParsedMountOptions {
  /** Flags for the mount itself. */
  flags: number;
  /** Flags that, with a bind mount, only take effect in a remount. */
  remountFlags: number;
  /** Propagation flags, applied by a mount call of their own. */
  propagation: number[];
  /** The filesystem-specific rest, comma-joined. */
  data: string;
  isBind: boolean;
}

const setFlags: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS, remount: MS.REMOUNT,
  mand: MS.MANDLOCK, dirsync: MS.DIRSYNC, noatime: MS.NOATIME, nodiratime: MS.NODIRATIME, bind: MS.BIND,
  rbind: MS.BIND | MS.REC, relatime: MS.RELATIME, strictatime: MS.STRICTATIME,
};
const clearFlags: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS, nomand: MS.MANDLOCK,
  atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME, nostrictatime: MS.STRICTATIME,
};
const propagationFlags: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};
/** Options runc accepts that are not for the kernel. */
const ignored = new Set(['tmpcopyup', 'nosymfollow', 'idmap', 'ridmap']);

/** Splits OCI mount options the way runc does. */
export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const o of options) {
    if (o in setFlags) flags |= setFlags[o]!;
    else if (o in clearFlags) flags &= ~clearFlags[o]!;
    else if (o in propagationFlags) propagation.push(propagationFlags[o]!);
    else if (!ignored.has(o)) data.push(o);
  }
  const isBind = (flags & MS.BIND) !== 0;
  const remountFlags = isBind ? flags & ~(MS.BIND | MS.REC | MS.REMOUNT) : 0;
  return { flags, remountFlags, propagation, data: data.join(','), isBind };
}
