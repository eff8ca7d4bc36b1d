import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** For tests: a temporary directory made from a table of files and symlinks. */
export async function tempTree(files: Record<string, string | { link: string }>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'build-tree-'));
  for (const [name, e] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    if (typeof e === 'string') await writeFile(join(root, name), e);
    else await symlink(e.link, join(root, name));
  }
  return root;
}
