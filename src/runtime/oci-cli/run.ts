import { hostCgroupLayout } from '../cgroups.js';
import { CommandFailed } from './command-failed.js';
import { createContainer } from './create-container.js';
import { checkCreateFlags, createFlags } from './create-flags.js';
import { destroyContainer } from './destroy-container.js';
import { forwardSignals, type SignalForwarder } from './forward-signals.js';
import type { CommandContext, OciCommand } from './oci-command.js';
import type { ParsedFlags } from './parse-flags.js';
import { runPoststart } from './start-container.js';

/**
 * `run [-d] [--bundle DIR] [--pid-file F] [--console-socket S] <id>`: create and start in one go,
 * without the exec fifo. In the foreground it ends with the process's status and removes the
 * container, as runc does; detached it returns once the program runs.
 */
export const runCommand: OciCommand = {
  name: 'run',
  usage: '<container-id>',
  description: 'create and run a container',
  flags: [
    ...createFlags,
    { names: ['detach', 'd'], kind: 'bool', help: 'detach from the container\'s process' },
    { names: ['keep'], kind: 'bool', help: 'do not delete the container after it exits' },
    { names: ['no-subreaper'], kind: 'bool', help: 'accepted: berth-runner is the process\'s parent, not a subreaper' },
  ],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id], flags) {
    const detach = flags.bool('detach');
    const signals = detach ? undefined : forwardSignals();
    try {
      return await runContainer(ctx, id!, flags, signals);
    } finally {
      signals?.stop();
    }
  },
};

/** Creates the container and, in the foreground, waits for its process and removes it. */
async function runContainer(ctx: CommandContext, id: string, flags: ParsedFlags, signals: SignalForwarder | undefined): Promise<number> {
  let created;
  try {
    checkCreateFlags(flags);
    created = await createContainer(ctx, {
      id,
      bundle: flags.string('bundle') || '.',
      pidFile: flags.string('pid-file'),
      consoleSocket: flags.string('console-socket'),
      startFifo: false,
      wait: signals !== undefined,
    });
  } catch (err) {
    throw CommandFailed.wrap('berth-runtime run failed', err);
  }
  try {
    await runPoststart(ctx.global.root, created.rec);
  } catch (err) {
    // The hook stopped the container: nothing of it stays, as after a failed create.
    await destroyContainer(created.rec, { root: ctx.global.root, layout: hostCgroupLayout(), warn: (m) => ctx.log.warn(m) }).catch(() => {});
    throw CommandFailed.wrap('berth-runtime run failed', err);
  }
  if (!signals) return 0;
  signals.attach(created.runner.child);
  const status = await created.runner.exited;
  if (!flags.bool('keep')) await destroyContainer(created.rec, { root: ctx.global.root, layout: hostCgroupLayout(), warn: (m) => ctx.log.warn(m) });
  return status;
}
