import { Conflict } from '../../common/errors.js';
import { hostCgroupLayout, setFrozen } from '../cgroups.js';
import { readRecord } from './container-record.js';
import { containerStatus } from './container-status.js';
import type { OciCommand } from './oci-command.js';

/** `resume <id>`: thaw a paused container. */
export const resumeCommand: OciCommand = {
  name: 'resume',
  usage: '<container-id>',
  description: 'resumes all processes that have been previously paused',
  flags: [],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id]) {
    const rec = readRecord(ctx.global.root, id!);
    if (containerStatus(ctx.global.root, rec) !== 'paused') throw new Conflict('container not paused');
    await setFrozen(rec.cgroups, hostCgroupLayout(), false);
    return 0;
  },
};
