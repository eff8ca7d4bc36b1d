import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of the regular files under `dir` (hard links counted once), without following symlinks or leaving its filesystem. */
export async function directorySize(dir: string): Promise<number> {
  const root = await lstat(dir).catch(() => undefined);
  if (!root?.isDirectory()) return 0;
  const seen = new Set<number>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      const st = await lstat(p).catch(() => undefined);
      if (!st || st.dev !== root.dev) continue;
      if (st.isDirectory()) await walk(p);
      else if (st.isFile() && !seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  };
  await walk(dir);
  return total;
}
