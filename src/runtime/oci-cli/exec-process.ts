import { readFileSync } from 'node:fs';
import { InvalidArgument, messageOf } from '../../common/errors.js';
import type { OciCapabilities, OciProcess } from '../../oci/runtime-spec.js';
import type { ParsedFlags } from './parse-flags.js';
import { validateProcess } from './validate-process.js';

function parseId(raw: string, what: 'uid' | 'gid'): number {
  if (!/^\d+$/.test(raw)) throw new InvalidArgument(`parsing ${raw} as int for ${what} failed`);
  return Number(raw);
}

/**
 * The process `exec` runs, as runc builds it: the --process file as it is, or else the container's
 * own process with the command line's args and the flags' changes (--cwd, -e appended, -u uid[:gid],
 * -g, --cap added to every set, -t, --no-new-privs).
 */
export function execProcess(base: OciProcess, args: readonly string[], flags: ParsedFlags): OciProcess {
  const file = flags.string('process');
  if (file) {
    let p: OciProcess;
    try {
      p = JSON.parse(readFileSync(file, 'utf8')) as OciProcess;
    } catch (err) {
      throw new InvalidArgument(`process file "${file}": ${messageOf(err)}`, { cause: err });
    }
    validateProcess(p);
    return p;
  }
  const p: OciProcess = structuredClone(base);
  p.args = [...args];
  const cwd = flags.string('cwd');
  if (cwd) p.cwd = cwd;
  const addCaps = flags.list('cap');
  if (addCaps.length > 0) {
    const c: OciCapabilities = p.capabilities ?? {};
    for (const set of ['bounding', 'inheritable', 'effective', 'permitted', 'ambient'] as const) c[set] = [...(c[set] ?? []), ...addCaps];
    p.capabilities = c;
  }
  p.env = [...(p.env ?? []), ...flags.list('env')];
  p.terminal = flags.bool('tty');
  if (flags.bool('no-new-privs')) p.noNewPrivileges = true;
  const user = flags.string('user');
  if (user) {
    const [uid, gid] = user.split(':', 2) as [string, string | undefined];
    if (gid !== undefined) p.user.gid = parseId(gid, 'gid');
    p.user.uid = parseId(uid, 'uid');
  }
  const gids = flags.list('additional-gids').map((g) => parseId(g, 'gid'));
  if (gids.length > 0) p.user.additionalGids = [...(p.user.additionalGids ?? []), ...gids];
  validateProcess(p);
  return p;
}
