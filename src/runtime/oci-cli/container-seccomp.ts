import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFoundError } from '../../common/errors.js';
import type { OciSpec } from '../../oci/runtime-spec.js';
import { insertSeccomp } from '../seccomp/insert-seccomp.js';
import { SeccompCompiler } from '../seccomp/seccomp-compiler.js';

/** The container's compiled filter, in its directory: what its execs load (config.json may change after create). */
const PROGRAM_FILE = 'seccomp.bpf';
/** Programs compiled by earlier commands, under the root; not a valid container id, so never a container. */
const CACHE_DIR = '@seccomp';

/**
 * The plan with the config's seccomp filter in it (compiled, or found compiled by an earlier
 * command), and the program kept in the container's directory for `exec`. Without a seccomp
 * section, the plan as it is.
 */
export async function withContainerSeccomp(plan: Buffer, spec: OciSpec, opts: { root: string; dir: string }): Promise<Buffer> {
  const section = spec.linux?.seccomp;
  if (!section) return plan;
  const program = await new SeccompCompiler({ cacheDir: join(opts.root, CACHE_DIR) }).compile(section);
  writeFileSync(join(opts.dir, PROGRAM_FILE), program, { mode: 0o600 });
  return insertSeccomp(plan, program, spec.process?.noNewPrivileges === true);
}

/** An exec's plan under its container's filter, as runc execs run. */
export function withExecSeccomp(plan: Buffer, noNewPrivileges: boolean, dir: string): Buffer {
  let program: Buffer;
  try {
    program = readFileSync(join(dir, PROGRAM_FILE));
  } catch (err) {
    if (isNotFoundError(err)) return plan;
    throw err;
  }
  return insertSeccomp(plan, program, noNewPrivileges);
}
