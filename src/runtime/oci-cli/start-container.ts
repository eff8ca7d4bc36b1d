import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Conflict } from '../../common/errors.js';
import { hostCgroupLayout } from '../cgroups.js';
import { type ContainerRecord, containerDir, EXEC_FIFO, recordState } from './container-record.js';
import { containerStatus } from './container-status.js';
import { killAndWait } from './destroy-container.js';
import { isSameProcessAlive } from './proc-stat.js';
import { runHooks } from './run-hooks.js';

/**
 * Lets a created container's init go on to its program: the init blocks opening the exec fifo for
 * writing, so opening it for reading releases it, and the byte it writes says it went. The fifo
 * is removed after, which is what tells "running" from "created".
 *
 * The blocking open runs on libuv's thread pool. Should the init die before opening its end, we
 * open a writing end ourselves (non-blocking: our pending reader counts) so that the read ends
 * with nothing, which means the process is gone.
 */
export async function startContainer(root: string, rec: ContainerRecord): Promise<void> {
  const status = containerStatus(root, rec);
  if (status === 'stopped') throw new Conflict('cannot start a container that has stopped');
  if (status === 'running') throw new Conflict('cannot start an already running container');
  if (status !== 'created') throw new Conflict(`cannot start a container in the ${status} state`);
  const fifo = join(containerDir(root, rec.id), EXEC_FIFO);
  let opened = false;
  const watch = setInterval(() => {
    if (opened || isSameProcessAlive(rec.pid, rec.pidStartTime)) return;
    open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((fh) => fh.close(), () => {});
  }, 100);
  let data: Buffer;
  try {
    const fh = await open(fifo, constants.O_RDONLY);
    opened = true;
    try {
      data = await fh.readFile();
    } finally {
      await fh.close();
    }
  } finally {
    clearInterval(watch);
  }
  if (data.length === 0) throw new Conflict('container process is already dead');
  await unlink(fifo);
}

/**
 * The poststart hooks, once the program runs and before `start` (or `run`) returns. One that
 * fails stops the container, as the spec says, and the command fails with its error.
 */
export async function runPoststart(root: string, rec: ContainerRecord): Promise<void> {
  if (!rec.hooks?.poststart?.length) return;
  try {
    await runHooks(rec.hooks.poststart, recordState(rec, 'running'));
  } catch (err) {
    await killAndWait(rec, { root, layout: hostCgroupLayout() }).catch(() => {});
    throw err;
  }
}
