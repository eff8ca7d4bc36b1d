import { readFileSync } from 'node:fs';
import type { ExecCreateRequest } from '../../api/types/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { collect } from '../options/collect.js';
import { parseEnvFile, resolveEnvFlag } from '../options/parse-env-file.js';
import { StatusError } from '../status-error.js';
import { runStreamSession } from '../stream/run-stream-session.js';
import { monitorTtySize, terminalSize } from '../stream/monitor-tty-size.js';

interface ExecOptions {
  detach?: boolean;
  detachKeys?: string;
  env?: string[];
  envFile?: string[];
  interactive?: boolean;
  privileged?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
}

/** `berth exec [-d] [-i] [-t] [-e] [-u] [-w] CONTAINER COMMAND [ARG...]` */
export function execCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'exec', description: 'Execute a command in a running container', usage: '[OPTIONS] CONTAINER COMMAND [ARG...]', stopAtFirstArg: true })
    .option('-d, --detach', 'Detached mode: run command in the background')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-e, --env <list>', 'Set environment variables', collect)
    .option('--env-file <list>', 'Read in a file of environment variables', collect)
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('--privileged', 'Give extended privileges to the command')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-u, --user <string>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .option('-w, --workdir <string>', 'Working directory inside the container');
  return onAction<ExecOptions>(cmd, ctx, { args: { min: 2 }, run: async ([container, ...command], opts) => {
    const client = ctx.client;
    const { stdin, stdout, stderr } = ctx.streams;
    const detach = Boolean(opts.detach);
    const tty = Boolean(opts.tty);
    if (!detach && tty && opts.interactive && !stdin.isTTY) throw new StatusError(1, 'the input device is not a TTY\n');
    const env = [
      ...(opts.envFile ?? []).flatMap((file) => parseEnvFile(readFileSync(file, 'utf8'), { env: ctx.env, fileName: file })),
      ...(opts.env ?? []).map((e) => resolveEnvFlag(e, ctx.env)),
    ];
    await client.containers.inspect(container!);
    const size = tty ? terminalSize(stdout) : undefined;
    const body: ExecCreateRequest & { Detach: boolean } = {
      User: opts.user ?? '',
      Privileged: Boolean(opts.privileged),
      Tty: tty,
      ...(size && { ConsoleSize: [size.height, size.width] as [number, number] }),
      AttachStdin: !detach && Boolean(opts.interactive),
      AttachStderr: !detach,
      AttachStdout: !detach,
      Detach: detach,
      DetachKeys: opts.detachKeys ?? '',
      Env: env.length > 0 ? env : null,
      WorkingDir: opts.workdir ?? '',
      Cmd: command,
    };
    const { Id: execId } = await client.exec.create(container!, body);
    const startBody = { Tty: tty, ...(size && { ConsoleSize: [size.height, size.width] as [number, number] }) };
    if (detach) {
      await client.exec.startDetached(execId, startBody);
      return 0;
    }
    const connection = await client.exec.start(execId, startBody);
    const stopResize = tty && stdout.isTTY ? monitorTtySize(stdout, (s) => client.exec.resize(execId, s)) : () => {};
    try {
      const { detached } = await runStreamSession({
        connection,
        tty,
        stdin: body.AttachStdin ? stdin : undefined,
        stdout,
        stderr,
        detachKeys: opts.detachKeys,
      });
      if (detached) return 0;
    } finally {
      stopResize();
    }
    const result = await client.exec.inspect(execId);
    return result.ExitCode ?? 0;
  } });
}
