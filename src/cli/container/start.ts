import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { proxySignals } from '../stream/proxy-signals.js';
import { runStreamSession } from '../stream/run-stream-session.js';
import { monitorTtySize } from '../stream/monitor-tty-size.js';

interface StartOptions {
  attach?: boolean;
  interactive?: boolean;
  detachKeys?: string;
}

/** `berth start [-a] [-i] CONTAINER...` */
export function startCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'start', description: 'Start one or more stopped containers', usage: '[OPTIONS] CONTAINER [CONTAINER...]' })
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
    .option('-i, --interactive', "Attach container's STDIN")
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container');
  return onAction<StartOptions>(cmd, ctx, { args: { min: 1 }, run: async (names, opts) => {
    if (opts.attach || opts.interactive) {
      if (names.length > 1) throw new StatusError(1, 'you cannot start and attach multiple containers at once\n');
      return startAttached(ctx, names[0]!, opts);
    }
    const failed: string[] = [];
    for (const name of names) {
      try {
        await ctx.client.containers.start(name);
        ctx.out(`${name}\n`);
      } catch (err) {
        ctx.err(`${(err as Error).message}\n`);
        failed.push(name);
      }
    }
    if (failed.length > 0) throw new StatusError(1, `Error: failed to start containers: ${failed.join(', ')}\n`);
    return 0;
  } });
}

/** docker's attached start: attach, wait, start, resize, stream, then the container's status. */
async function startAttached(ctx: CliContext, name: string, opts: StartOptions): Promise<number> {
  const client = ctx.client;
  const { stdin, stdout, stderr } = ctx.streams;
  const container = await client.containers.inspect(name);
  const tty = Boolean(container.Config.Tty);
  const attachStdin = Boolean(opts.interactive && container.Config.OpenStdin);
  if (tty && attachStdin && !stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY\n');
  const stopSignals = tty ? () => {} : proxySignals((signal) => client.containers.kill(container.Id, { signal }));
  let stopResize = () => {};
  try {
    const connection = await client.containers.attach(container.Id, {
      stream: true,
      stdin: attachStdin,
      stdout: true,
      stderr: true,
      detachKeys: opts.detachKeys,
    });
    const wait = client.containers.wait(container.Id, { condition: container.HostConfig.AutoRemove ? 'removed' : 'next-exit' });
    await wait.registered;
    const session = runStreamSession({ connection, tty, stdin: attachStdin ? stdin : undefined, stdout, stderr, detachKeys: opts.detachKeys });
    // awaited after start; until then a failure must not count as unhandled
    session.catch(() => {});
    try {
      await client.containers.start(container.Id, { detachKeys: opts.detachKeys });
    } catch (err) {
      connection.destroy();
      await session.catch(() => {});
      throw err;
    }
    if (tty && stdout.isTTY) stopResize = monitorTtySize(stdout, (size) => client.containers.resize(container.Id, size));
    const { detached } = await session;
    if (detached) return 0;
    const result = await wait.result;
    if (result.Error?.Message) ctx.err(`Error waiting for container: ${result.Error.Message}\n`);
    return result.StatusCode;
  } finally {
    stopResize();
    stopSignals();
  }
}
