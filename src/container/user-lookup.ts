import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '../common/errors.js';

/** The ids a process runs with, resolved from `user` against the container's passwd and group files. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! });
  }
  return out;
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter(Boolean) });
  }
  return out;
}

/**
 * Reads a file of the container's root filesystem from its layer directories (the writable one
 * first), without mounting it. Paths are the image's own (`etc/passwd`), never followed out.
 */
export async function readFromLayers(layerDirs: readonly string[], relPath: string): Promise<string | undefined> {
  const parts = relPath.split('/').filter(Boolean);
  for (const dir of layerDirs) {
    let path = dir;
    let ok = true;
    for (const part of parts) {
      path = join(path, part);
      const st = await lstat(path).catch(() => undefined);
      // A symlink would be resolved against the host's root here, not the container's: skip it.
      // An overlay whiteout (a 0:0 character device) hides the path in every layer below.
      if (st?.isCharacterDevice() && st.rdev === 0) return undefined;
      if (!st || st.isSymbolicLink()) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) return text;
  }
  return undefined;
}

const isNum = (s: string) => /^\d+$/.test(s);

/** Resolves "", "name", "uid", "name:group", "uid:gid" as runc does, with Docker's error texts. */
export async function resolveUser(user: string, layerDirs: readonly string[], extraGroups: readonly string[] = []): Promise<ResolvedUser> {
  const [u = '', g] = user.split(':', 2);
  const passwd = parsePasswd((await readFromLayers(layerDirs, 'etc/passwd')) ?? '');
  const groups = parseGroup((await readFromLayers(layerDirs, 'etc/group')) ?? '');
  let uid = 0;
  let gid = 0;
  let home = '/';
  let name = 'root';
  if (u === '') {
    const root = passwd.find((p) => p.uid === 0);
    if (root) home = root.home;
    else home = '/root';
  } else if (isNum(u)) {
    uid = Number(u);
    const p = passwd.find((e) => e.uid === uid);
    if (p) {
      gid = p.gid;
      home = p.home;
      name = p.name;
    } else {
      name = '';
    }
  } else {
    const p = passwd.find((e) => e.name === u);
    if (!p) throw new InvalidArgument(`unable to find user ${u}: no matching entries in passwd file`);
    uid = p.uid;
    gid = p.gid;
    home = p.home;
    name = p.name;
  }
  if (g !== undefined && g !== '') {
    if (isNum(g)) gid = Number(g);
    else {
      const e = groups.find((x) => x.name === g);
      if (!e) throw new InvalidArgument(`unable to find group ${g}: no matching entries in group file`);
      gid = e.gid;
    }
  }
  // moby always lists the primary group among the supplementary ones.
  const additional = new Set<number>([gid]);
  // Supplementary groups of the user, as initgroups would give them (not when a group was forced).
  if (g === undefined && name) for (const e of groups) if (e.members.includes(name)) additional.add(e.gid);
  for (const extra of extraGroups) {
    if (isNum(extra)) additional.add(Number(extra));
    else {
      const e = groups.find((x) => x.name === extra);
      if (!e) throw new InvalidArgument(`unable to find group ${extra}: no matching entries in group file`);
      additional.add(e.gid);
    }
  }
  return { uid, gid, additionalGids: [...additional], home };
}
