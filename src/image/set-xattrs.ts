/**
 * Node has no xattr API, so extended attributes are set in one batch per layer by a host tool:
 * `setfattr -h --restore=-` (package attr) reading a getfattr dump on stdin, or else python3's
 * os.setxattr. Neither follows symlinks; both run host binaries, never anything from an image.
 */
import { spawn } from 'node:child_process';
import { Internal, errnoCode, messageOf } from '../common/errors.js';

export interface XattrItem {
  /** Absolute path; the caller has checked that no component is a symlink. */
  path: string;
  name: string;
  value: Buffer;
}

/** attr's quote(): every byte outside printable ASCII, and `\`, `=`, as `\ooo`. */
function quote(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s)) {
    out += byte > 32 && byte < 127 && byte !== 0x5c && byte !== 0x3d ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

function run(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Internal(`${cmd} exited with status ${code}: ${stderr.trim()}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

let tool: 'setfattr' | 'python3' | undefined;

export async function setXattrs(items: readonly XattrItem[]): Promise<void> {
  if (items.length === 0) return;
  const dump = items.map((i) => `# file: ${quote(i.path)}\n${quote(i.name)}=0x${i.value.toString('hex')}\n`).join('\n');
  const json = JSON.stringify(items.map((i) => [i.path, i.name, i.value.toString('hex')]));
  const py = 'import os,sys,json\nfor p,n,v in json.load(sys.stdin): os.setxattr(p,n,bytes.fromhex(v),follow_symlinks=False)';
  const attempts: ['setfattr' | 'python3', () => Promise<void>][] = [
    ['setfattr', () => run('setfattr', ['-h', '--restore=-'], dump)],
    ['python3', () => run('python3', ['-c', py], json)],
  ];
  for (const [name, attempt] of attempts) {
    if (tool !== undefined && tool !== name) continue;
    try {
      await attempt();
      tool = name;
      return;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && tool === undefined) continue;
      throw new Internal(`set extended attributes: ${messageOf(err)}`, { cause: err });
    }
  }
  throw new Internal('set extended attributes: neither setfattr (package attr) nor python3 is installed');
}
