import { execFile } from 'node:child_process';
import { chmod, chown, lstat, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Internal } from '../common/errors.js';
import { resolveExistingInRoot } from '../common/resolve-in-root.js';

const execFileP = promisify(execFile);

/**
 * Docker's pre-fill of a volume: an empty volume mounted where the image has a directory gets
 * that directory's content, with owners, modes, times and xattrs (cp -a, which copies symlinks as
 * symlinks), and the directory's own owner and mode. `imageRoot` is a read-only view of the
 * container's root; the path is resolved inside it. Resolves with whether anything was copied.
 */
export async function copyImageContent(imageRoot: string, destination: string, volumeDir: string): Promise<boolean> {
  const src = await resolveExistingInRoot(imageRoot, destination);
  if (!src) return false;
  const st = await lstat(src);
  if (!st.isDirectory()) return false;
  if (!(await isEmptyDir(volumeDir))) return false;
  try {
    await execFileP('cp', ['-a', '--', `${src}/.`, `${volumeDir}/`]);
  } catch (err) {
    throw new Internal(`copy the image's content at "${destination}" into its volume: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`, { cause: err });
  }
  await chown(volumeDir, st.uid, st.gid);
  await chmod(volumeDir, st.mode & 0o7777);
  return true;
}

export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}
