import { readRecord } from './container-record.js';
import type { OciCommand } from './oci-command.js';
import { runPoststart, startContainer } from './start-container.js';

/** `start <id>`: let a created container run its program. */
export const startCommand: OciCommand = {
  name: 'start',
  usage: '<container-id>',
  description: 'executes the user defined process in a created container',
  flags: [],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id]) {
    const rec = readRecord(ctx.global.root, id!);
    await startContainer(ctx.global.root, rec);
    await runPoststart(ctx.global.root, rec);
    return 0;
  },
};
