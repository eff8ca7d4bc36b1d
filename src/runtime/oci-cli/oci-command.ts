import type { FlagSpec, ParsedFlags } from './parse-flags.js';
import type { RuntimeLog } from './runtime-log.js';

/** runc's global options. */
export interface GlobalOptions {
  /** Where container state lives: `<root>/<id>/state.json`. */
  root: string;
  /** cgroupsPath is systemd's "slice:prefix:name" (Berth keeps using cgroupfs: see systemdCgroupPath). */
  systemdCgroup: boolean;
  debug: boolean;
}

export interface CommandContext {
  global: GlobalOptions;
  log: RuntimeLog;
}

/** One verb of the command line. */
export interface OciCommand {
  name: string;
  /** What follows the flags in the usage line, e.g. `<container-id> [signal]`. */
  usage: string;
  description: string;
  flags: FlagSpec[];
  args: { min: number; max: number };
  /** False when the trailing arguments are a command line of their own (exec, ps). */
  interspersed: boolean;
  /** Runs the verb and answers the exit status; throws to fail with a message. */
  run(ctx: CommandContext, args: string[], flags: ParsedFlags): Promise<number>;
}
