import { readRecord } from './container-record.js';
import type { OciCommand } from './oci-command.js';
import { startContainer } from './start-container.js';

/** `start <id>`: let a created container run its program. */
export const startCommand: OciCommand = {
  name: 'start',
  usage: '<container-id>',
  description: 'executes the user defined process in a created container',
  flags: [],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id]) {
    await startContainer(ctx.global.root, readRecord(ctx.global.root, id!));
    return 0;
  },
};
