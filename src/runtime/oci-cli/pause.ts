import { Conflict } from '../../common/errors.js';
import { hostCgroupLayout, setFrozen } from '../cgroups.js';
import { readRecord } from './container-record.js';
import { containerStatus } from './container-status.js';
import type { OciCommand } from './oci-command.js';

/** `pause <id>`: freeze the container's cgroup. */
export const pauseCommand: OciCommand = {
  name: 'pause',
  usage: '<container-id>',
  description: 'pause suspends all processes inside the container',
  flags: [],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id]) {
    const rec = readRecord(ctx.global.root, id!);
    const status = containerStatus(ctx.global.root, rec);
    if (status !== 'running' && status !== 'created') throw new Conflict('container not running');
    await setFrozen(rec.cgroups, hostCgroupLayout(), true);
    return 0;
  },
};
