import { InvalidArgument } from '../../common/errors.js';
import type { OciProcess } from '../../oci/runtime-spec.js';
import { lookupExecUser } from './exec-user.js';

/** runc sets the environment one variable at a time: a repeated name keeps its first place and its last value. */
function dedupeEnv(env: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq < 0) throw new InvalidArgument(`invalid environment variable "${e}": missing '='`);
    if (eq === 0) throw new InvalidArgument('invalid environment variable: name cannot be empty');
    if (e.includes('\0')) throw new InvalidArgument(`invalid environment variable "${e.split('\0')[0]}": contains nul byte`);
    out.set(e.slice(0, eq), e);
  }
  return [...out.values()];
}

/**
 * What runc's init adds to a process before it runs, so that the program sees the same under
 * both runtimes: HOME from the container's passwd when the config sets none, the groups that
 * list the user as a member before the config's additionalGids, and only the ambient
 * capabilities that can be raised (permitted and inheritable; runc ignores a failed raise).
 */
export function prepareProcess(proc: OciProcess, rootfs: string): OciProcess {
  const { uid, gid } = proc.user;
  const user = lookupExecUser(rootfs, uid, gid);
  const env = dedupeEnv(proc.env ?? []);
  const homeAt = env.findIndex((e) => e.startsWith('HOME='));
  if (homeAt < 0) env.push(`HOME=${user.home}`);
  else if (env[homeAt] === 'HOME=') env[homeAt] = `HOME=${user.home}`;
  const additionalGids = [...new Set([...user.memberOf, ...(proc.user.additionalGids ?? [])])];
  const caps = proc.capabilities;
  const ambient = caps?.ambient?.filter((c) => caps.permitted?.includes(c) && caps.inheritable?.includes(c));
  return {
    ...proc,
    env,
    user: { ...proc.user, additionalGids },
    ...(caps ? { capabilities: { ...caps, ambient: ambient ?? [] } } : {}),
  };
}
