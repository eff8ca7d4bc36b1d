import { rm } from 'node:fs/promises';
import { Conflict, NotFound } from '../../common/errors.js';
import { hostCgroupLayout } from '../cgroups.js';
import { containerDir, readRecord } from './container-record.js';
import { containerStatus } from './container-status.js';
import { destroyContainer, killAndWait } from './destroy-container.js';
import type { OciCommand } from './oci-command.js';

/**
 * `delete [--force] <id>`: remove a stopped container. A created one is killed first (its program
 * never ran), a running or paused one only with --force. A directory without state.json (a create
 * that died early) is removed too; with --force a missing container is no error.
 */
export const deleteCommand: OciCommand = {
  name: 'delete',
  usage: '<container-id>',
  description: 'delete any resources held by the container often used with detached container',
  flags: [{ names: ['force', 'f'], kind: 'bool', help: 'Forcibly deletes the container if it is still running (uses SIGKILL)' }],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id], flags) {
    const root = ctx.global.root;
    const force = flags.bool('force');
    let rec;
    try {
      rec = readRecord(root, id!);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      await rm(containerDir(root, id!), { recursive: true, force: true });
      if (force) return 0;
      throw err;
    }
    const layout = hostCgroupLayout();
    const status = containerStatus(root, rec);
    if (status === 'created' || (force && status !== 'stopped')) await killAndWait(rec, { root, layout });
    else if (status !== 'stopped') throw new Conflict(`cannot delete container ${id} that is not stopped: ${status}`);
    await destroyContainer(rec, { root, layout, warn: (m) => ctx.log.warn(m) });
    return 0;
  },
};
