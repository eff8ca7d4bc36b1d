import { existsSync } from 'node:fs';
import { InvalidArgument } from '../../common/errors.js';
import type { OciProcess } from '../../oci/runtime-spec.js';

/** runc's checks of a process (config.json's or exec's), with its messages. */
export function validateProcess(proc: OciProcess | undefined): asserts proc is OciProcess {
  if (!proc) throw new InvalidArgument('process property must not be empty');
  if (!proc.cwd) throw new InvalidArgument('Cwd property must not be empty');
  if (!proc.cwd.startsWith('/')) throw new InvalidArgument('Cwd must be an absolute path');
  if (!proc.args || proc.args.length === 0) throw new InvalidArgument('args must not be empty');
  if (proc.selinuxLabel && !existsSync('/sys/fs/selinux/enforce')) {
    throw new InvalidArgument('selinux label is specified in config, but selinux is disabled or not supported');
  }
  if (!proc.user || typeof proc.user.uid !== 'number' || typeof proc.user.gid !== 'number') {
    throw new InvalidArgument('process.user must have a numeric uid and gid');
  }
}
