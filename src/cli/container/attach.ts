import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { proxySignals } from '../stream/proxy-signals.js';
import { runStreamSession } from '../stream/run-stream-session.js';
import { monitorTtySize } from '../stream/monitor-tty-size.js';

interface AttachOptions {
  stdin?: boolean;
  detachKeys?: string;
  sigProxy?: boolean;
}

/** `berth attach [--no-stdin] [--sig-proxy=false] [--detach-keys] CONTAINER` */
export function attachCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'attach', description: 'Attach local standard input, output, and error streams to a running container', usage: '[OPTIONS] CONTAINER' })
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy', 'Proxy all received signals to the process', true)
    .option('--no-sig-proxy', 'Do not proxy received signals');
  return onAction<AttachOptions>(cmd, ctx, { args: { exact: 1 }, run: async ([name], opts) => {
    const client = ctx.client;
    const { stdin, stdout, stderr } = ctx.streams;
    // the wait goes first so an exit right after attaching is not missed
    const wait = client.containers.wait(name!);
    wait.result.catch(() => {});
    const container = await client.containers.inspect(name!);
    if (!container.State.Running) throw new StatusError(1, 'You cannot attach to a stopped container, start it first\n');
    if (container.State.Paused) throw new StatusError(1, 'You cannot attach to a paused container, unpause it first\n');
    if (container.State.Restarting) throw new StatusError(1, 'You cannot attach to a restarting container, wait until it is running\n');
    const tty = Boolean(container.Config.Tty);
    const attachStdin = opts.stdin !== false && Boolean(container.Config.OpenStdin);
    if (tty && attachStdin && !stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY\n');
    const stopSignals = opts.sigProxy !== false && !tty ? proxySignals((signal) => client.containers.kill(container.Id, { signal })) : () => {};
    let stopResize = () => {};
    try {
      const connection = await client.containers.attach(name!, {
        stream: true,
        stdin: attachStdin,
        stdout: true,
        stderr: true,
        detachKeys: opts.detachKeys,
      });
      if (tty && stdout.isTTY) stopResize = monitorTtySize(stdout, (size) => client.containers.resize(container.Id, size));
      const { detached } = await runStreamSession({ connection, tty, stdin: attachStdin ? stdin : undefined, stdout, stderr, detachKeys: opts.detachKeys });
      if (detached) {
        // What docker attach says when the detach keys end the session.
        stderr.write('read escape sequence\n');
        return 0;
      }
      const result = await wait.result;
      return result.StatusCode;
    } finally {
      stopResize();
      stopSignals();
    }
  } });
}
