import { CommandFailed } from './command-failed.js';
import { createContainer } from './create-container.js';
import { checkCreateFlags, createFlags } from './create-flags.js';
import type { OciCommand } from './oci-command.js';

/** `create [--bundle DIR] [--pid-file F] [--console-socket S] <id>`: set up, and wait on the exec fifo for `start`. */
export const createCommand: OciCommand = {
  name: 'create',
  usage: '<container-id>',
  description: 'create a container',
  flags: createFlags,
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id], flags) {
    try {
      checkCreateFlags(flags);
      await createContainer(ctx, {
        id: id!,
        bundle: flags.string('bundle') || '.',
        pidFile: flags.string('pid-file'),
        consoleSocket: flags.string('console-socket'),
        startFifo: true,
        wait: false,
      });
    } catch (err) {
      throw CommandFailed.wrap('berth-runtime create failed', err);
    }
    return 0;
  },
};
