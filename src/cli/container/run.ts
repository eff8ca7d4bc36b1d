import { Writable } from 'node:stream';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { proxySignals } from '../stream/proxy-signals.js';
import { runStreamSession } from '../stream/run-stream-session.js';
import { monitorTtySize, terminalSize } from '../stream/monitor-tty-size.js';
import { addContainerFlags, type ContainerFlags } from './container-flags.js';
import { createContainer } from './create-container.js';
import { buildCreateRequest } from './create-request.js';
import { runErrorText } from './run-error-text.js';
import { startErrorStatus } from './start-error-status.js';

interface RunFlags extends ContainerFlags {
  detach?: boolean;
  sigProxy?: boolean;
}

/** `berth run`: create, then attach and wait before start, as the docker CLI sequences it. */
export function runCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({
    name: 'run',
    description: 'Create and run a new container from an image',
    usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
    stopAtFirstArg: true,
  });
  addContainerFlags(cmd);
  cmd
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('--sig-proxy', 'Proxy received signals to the process', true)
    .option('--no-sig-proxy', 'Do not proxy received signals to the process')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container');
  return onAction<RunFlags>(cmd, ctx, {
    args: { min: 1 },
    run: ([image, ...command], flags) => runContainer(ctx, cmd, { image: image!, command, flags }),
  });
}

async function runContainer(ctx: CliContext, cmd: BerthCommand, run: { image: string; command: string[]; flags: RunFlags }): Promise<number> {
  const { image, command, flags } = run;
  const { stdin, stdout, stderr } = ctx.streams;
  const fail = (status: number, err: unknown) => new StatusError(status, runErrorText(cmd, err));
  const detach = Boolean(flags.detach);

  let request;
  try {
    const size = flags.tty ? terminalSize(stdout) : undefined;
    request = buildCreateRequest(flags, { image, command, env: ctx.env, detach, consoleSize: size ? [size.height, size.width] : [0, 0] });
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw fail(125, err);
  }
  const config = request.body;
  if (!detach && config.AttachStdin && config.Tty && !stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY\n');

  let id: string;
  try {
    id = (await createContainer(ctx, request, { pull: flags.pull })).Id;
  } catch (err) {
    throw fail(125, err);
  }
  const client = ctx.client;

  if (detach) {
    try {
      await client.containers.start(id);
    } catch (err) {
      ctx.out(`${id}\n`);
      throw fail(startErrorStatus((err as Error).message), err);
    }
    ctx.out(`${id}\n`);
    return 0;
  }

  const stopSignals = flags.sigProxy !== false && !config.Tty ? proxySignals((signal) => client.containers.kill(id, { signal })) : () => {};
  let stopResize = () => {};
  try {
    const attaching = config.AttachStdin || config.AttachStdout || config.AttachStderr;
    const connection = attaching
      ? await client.containers.attach(id, {
          stream: true,
          stdin: config.AttachStdin,
          stdout: config.AttachStdout,
          stderr: config.AttachStderr,
          detachKeys: flags.detachKeys,
        })
      : undefined;
    const wait = client.containers.wait(id, { condition: config.HostConfig?.AutoRemove ? 'removed' : 'next-exit' });
    await wait.registered;
    const session = connection
      ? runStreamSession({
          connection,
          tty: Boolean(config.Tty),
          stdin: config.AttachStdin ? stdin : undefined,
          stdout: config.AttachStdout ? stdout : devNull,
          stderr: config.AttachStderr ? stderr : devNull,
          detachKeys: flags.detachKeys,
        })
      : undefined;
    // awaited after start; until then a failure must not count as unhandled
    session?.catch(() => {});
    try {
      await client.containers.start(id);
    } catch (err) {
      connection?.destroy();
      await session?.catch(() => {});
      throw fail(startErrorStatus((err as Error).message), err);
    }
    if (config.Tty && stdout.isTTY) stopResize = monitorTtySize(stdout, (size) => client.containers.resize(id, size));
    if (session) {
      const { detached } = await session;
      if (detached) return 0;
    }
    const result = await wait.result.catch((err: Error) => ({ StatusCode: 125, Error: { Message: err.message } }));
    if (result.Error?.Message) ctx.err(`Error waiting for container: ${result.Error.Message}\n`);
    return result.StatusCode;
  } finally {
    stopResize();
    stopSignals();
  }
}

/** Where the streams the user did not attach go. */
const devNull = new Writable({ write: (_chunk, _encoding, done) => done() });
