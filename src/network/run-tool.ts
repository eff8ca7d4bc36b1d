import { spawn } from 'node:child_process';

/**
 * Runs a system tool (ip, nft) with a script on its stdin; rejects with its stderr. One process per
 * batch of changes: what a network change costs is mostly this spawn.
 */
export function runTool(cmd: string, args: readonly string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')}: ${err.trim() || `exit status ${code}`}`));
    });
    p.stdin.on('error', () => {}); // a tool that failed early stops reading: its stderr says why
    p.stdin.end(input);
  });
}

/** `ip -batch`: one process for many link and address changes. With force, errors do not stop it. */
export function ipBatch(lines: readonly string[], o: { netns?: string; force?: boolean } = {}): Promise<string> {
  if (!lines.length) return Promise.resolve('');
  const args = [...(o.netns ? ['-n', o.netns] : []), ...(o.force ? ['-force'] : []), '-batch', '-'];
  return runTool('ip', args, lines.join('\n') + '\n');
}
