import { NotImplemented } from '../../common/errors.js';
import type { FlagSpec, ParsedFlags } from './parse-flags.js';

export const consoleSocketFlag: FlagSpec = {
  names: ['console-socket'],
  kind: 'string',
  help: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal",
};

/** The flags `create` and `run` share. */
export const createFlags: FlagSpec[] = [
  { names: ['bundle', 'b'], kind: 'string', help: 'path to the root of the bundle directory, defaults to the current directory' },
  consoleSocketFlag,
  { names: ['pid-file'], kind: 'string', help: 'specify the file to write the process id to' },
  { names: ['no-pivot'], kind: 'bool', help: 'not supported: berth-runtime always uses pivot_root' },
  { names: ['no-new-keyring'], kind: 'bool', help: 'accepted: berth-runtime never creates a session keyring' },
  { names: ['preserve-fds'], kind: 'string', help: 'not supported beyond 0: only stdio is passed to the container' },
];

/** Refuses what the plan cannot do rather than doing something else quietly. */
export function checkCreateFlags(flags: ParsedFlags): void {
  if (flags.bool('no-pivot')) throw new NotImplemented('--no-pivot is not supported: berth-runtime always uses pivot_root');
  const preserve = flags.string('preserve-fds');
  if (preserve !== undefined && Number(preserve) !== 0) {
    throw new NotImplemented('--preserve-fds is not supported: berth-runtime passes only stdio to the container');
  }
}
