import { readFileSync } from 'node:fs';

/** One line of /proc/self/mountinfo, the parts a runtime decides on. */
export interface MountEntry {
  mountPoint: string;
  /** Has a "shared:N" optional field: mounts under it propagate to its peers. */
  shared: boolean;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 6) continue;
    out.push({ mountPoint: unescape(f[4]!), shared: f.slice(6, sep).some((t) => t.startsWith('shared:')) });
  }
  return out;
}

/** The mount a path lives on: the last-mounted one with the longest mount point that contains it. */
export function mountContaining(path: string, mounts: readonly MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** The mount of `path` in this process's mount namespace (which a new container's copies). */
export function hostMountOf(path: string): MountEntry | undefined {
  return mountContaining(path, parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')));
}
