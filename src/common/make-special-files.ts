import { spawn } from 'node:child_process';
import { Internal } from './errors.js';

/** A device node or FIFO to create; `mode` holds the permission bits only (0o7777). */
export interface SpecialFile {
  path: string;
  kind: 'c' | 'b' | 'p';
  mode: number;
  major: number;
  minor: number;
}

const mknodScript = `
while [ "$#" -gt 0 ]; do
  if [ "$3" = p ]; then mknod -m "$2" -- "$1" p || exit 1
  else mknod -m "$2" -- "$1" "$3" "$4" "$5" || exit 1; fi
  shift 5
done`;

/**
 * Creates the nodes, in order, with one `sh` running mknod(1) for each, because Node has no
 * mknod(2). Arguments never go through a shell parse. mknod(2) never follows a final symlink (an
 * existing name fails with EEXIST), and `-m` gives the exact mode, umask aside. The paths are
 * resolved by the child process: a /proc/self/fd path would name the child's descriptors, so a
 * caller confining paths to a directory it holds open passes /proc/<its pid>/fd/<fd>/<name>.
 */
export function makeSpecialFiles(nodes: SpecialFile[]): Promise<void> {
  if (nodes.length === 0) return Promise.resolve();
  const args = nodes.flatMap((n) => [n.path, (n.mode & 0o7777).toString(8), n.kind, String(n.major), String(n.minor)]);
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', mknodScript, 'mknod-batch', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Internal(`mknod: ${stderr.trim() || `exit status ${code}`}`));
    });
  });
}
