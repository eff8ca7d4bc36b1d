import { Conflict } from '../../common/errors.js';
import { hostCgroupLayout, setFrozen } from '../cgroups.js';
import { readRecord } from './container-record.js';
import { containerStatus } from './container-status.js';
import { signalAllProcesses } from './destroy-container.js';
import type { OciCommand } from './oci-command.js';
import { signalNumber } from './signal-number.js';

/** `kill [--all] <id> [signal]`: signal the init (or, with --all, every process of the cgroup). */
export const killCommand: OciCommand = {
  name: 'kill',
  usage: '<container-id> [signal]',
  description: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  flags: [{ names: ['all', 'a'], kind: 'bool', help: 'send the specified signal to all processes inside the container' }],
  args: { min: 1, max: 2 },
  interspersed: true,
  async run(ctx, [id, sigArg], flags) {
    const sig = signalNumber(sigArg ?? 'SIGTERM');
    const root = ctx.global.root;
    const rec = readRecord(root, id!);
    const status = containerStatus(root, rec);
    const layout = hostCgroupLayout();
    if (flags.bool('all')) {
      await signalAllProcesses(rec, { layout, signal: sig });
      return 0;
    }
    // The status check is what keeps a reused pid from being signalled.
    if (status !== 'created' && status !== 'running' && status !== 'paused') throw new Conflict('container not running');
    process.kill(rec.pid, sig);
    // A frozen v1 task only dies once thawed; runc thaws for SIGKILL alone.
    if (status === 'paused' && sig === 9) await setFrozen(rec.cgroups, layout, false);
    return 0;
  },
};
