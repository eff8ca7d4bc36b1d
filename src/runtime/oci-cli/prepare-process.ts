import { InvalidArgument } from '../../common/errors.js';
import type { OciProcess } from '../../oci/runtime-spec.js';
import { homeOf } from './home-of.js';

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
 * both runtimes: HOME from the container's passwd when the config sets none, and only the ambient
 * capabilities that can be raised (permitted and inheritable; runc ignores a failed raise).
 */
export function prepareProcess(proc: OciProcess, rootfs: string): OciProcess {
  const env = dedupeEnv(proc.env ?? []);
  const homeAt = env.findIndex((e) => e.startsWith('HOME='));
  if (homeAt < 0 || env[homeAt] === 'HOME=') {
    const home = `HOME=${homeOf(rootfs, proc.user.uid)}`;
    if (homeAt < 0) env.push(home);
    else env[homeAt] = home;
  }
  const caps = proc.capabilities;
  const ambient = caps?.ambient?.filter((c) => caps.permitted?.includes(c) && caps.inheritable?.includes(c));
  return {
    ...proc,
    env,
    ...(caps ? { capabilities: { ...caps, ambient: ambient ?? [] } } : {}),
  };
}
