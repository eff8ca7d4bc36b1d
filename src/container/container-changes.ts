/**
 * `docker diff`: what a container changed against its image, read from the overlay's upper dir
 * (kind 0 changed, 1 added, 2 deleted, as the API's FilesystemChange). The upper dir is written
 * by the container, so it is walked through descriptors (confined-root.ts) as cp does.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { ConfinedRoot, under } from './confined-root.js';

export interface Change {
  path: string;
  kind: 0 | 1 | 2;
}

/** Whether `path` exists in one of the image's layers (overlay whiteouts count as absent). */
async function inLower(lowers: ConfinedRoot[], path: string): Promise<boolean> {
  for (const l of lowers) {
    const found = await l.resolveParent(path).then(async ({ dir, name }) => {
      try {
        const st = await lstat(under(dir, name)).catch(() => undefined);
        if (!st) return undefined;
        return !(st.isCharacterDevice() && st.rdev === 0);
      } finally {
        await dir.close();
      }
    }, () => undefined);
    if (found !== undefined) return found;
  }
  return false;
}

/**
 * Mount points the runtime creates for the files it binds (dockerd makes them in an init layer
 * below the container's, so they never show in its diff).
 */
const MOUNT_POINTS = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);

/** Drops the runtime's mount points, and directories left "changed" only because they hold them. */
function withoutMountPoints(all: Change[]): Change[] {
  const kept = all.filter((c) => !MOUNT_POINTS.has(c.path));
  const onlyMountPoints = (dir: string) =>
    all.some((c) => MOUNT_POINTS.has(c.path) && c.path.startsWith(`${dir}/`)) && !kept.some((c) => c.path.startsWith(`${dir}/`));
  return kept.filter((c) => !(c.kind === 0 && onlyMountPoints(c.path)));
}

export async function containerChanges(upperDir: string, lowerDirs: string[]): Promise<Change[]> {
  const upper = await ConfinedRoot.open(upperDir);
  const lowers = await Promise.all(lowerDirs.map((d) => ConfinedRoot.open(d)));
  const out: Change[] = [];
  const walk = async (dirAt: string, rel: string): Promise<void> => {
    // The root itself is the descriptor we hold (its /proc link is followed); below it, nothing is.
    const dir = await open(dirAt, constants.O_RDONLY | constants.O_DIRECTORY | (rel === '' ? 0 : constants.O_NOFOLLOW));
    try {
      for (const name of (await readdir(under(dir))).sort()) {
        const path = `${rel}/${name}`;
        const st = await lstat(under(dir, name));
        if (st.isCharacterDevice() && st.rdev === 0) {
          out.push({ path, kind: 2 });
          continue;
        }
        out.push({ path, kind: (await inLower(lowers, path)) ? 0 : 1 });
        if (st.isDirectory()) await walk(under(dir, name), path);
      }
    } finally {
      await dir.close();
    }
  };
  try {
    await walk(under(upper.root), '');
  } finally {
    await upper.close();
    for (const l of lowers) await l.close();
  }
  return withoutMountPoints(out);
}
