import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFoundError } from '../../common/errors.js';
import type { OciSpec } from '../../oci/runtime-spec.js';
import { SeccompCompiler } from '../seccomp/seccomp-compiler.js';

/** The container's compiled filter, in its directory: what its execs load (config.json may change after create). */
const PROGRAM_FILE = 'seccomp.bpf';
/** Programs compiled by earlier commands, under the root; not a valid container id, so never a container. */
const CACHE_DIR = '@seccomp';

/**
 * The config's seccomp filter as a BPF program (compiled, or found compiled by an earlier
 * command), kept in the container's directory for `exec`; undefined without a seccomp section.
 */
export async function containerSeccomp(spec: OciSpec, opts: { root: string; dir: string }): Promise<Buffer | undefined> {
  const section = spec.linux?.seccomp;
  if (!section) return undefined;
  const program = await new SeccompCompiler({ cacheDir: join(opts.root, CACHE_DIR) }).compile(section);
  writeFileSync(join(opts.dir, PROGRAM_FILE), program, { mode: 0o600 });
  return program;
}

/** The filter an exec runs under: its container's, as runc execs run; undefined when it has none. */
export function execSeccomp(dir: string): Buffer | undefined {
  try {
    return readFileSync(join(dir, PROGRAM_FILE));
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err;
  }
}
