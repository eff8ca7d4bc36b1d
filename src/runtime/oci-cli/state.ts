import { readRecord } from './container-record.js';
import { containerStatus } from './container-status.js';
import type { OciCommand } from './oci-command.js';
import { writeStdout } from './write-stdio.js';
import { runcState } from './runc-state.js';

/** `state <id>`: the OCI state, indented by two spaces and without a final newline, as runc prints it. */
export const stateCommand: OciCommand = {
  name: 'state',
  usage: '<container-id>',
  description: 'output the state of a container',
  flags: [],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id]) {
    const rec = readRecord(ctx.global.root, id!);
    writeStdout(JSON.stringify(runcState(rec, { status: containerStatus(ctx.global.root, rec) }), null, 2));
    return 0;
  },
};
