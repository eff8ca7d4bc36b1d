import { commanderStatus } from './berth-command.js';
import { CliContext, type CliStreams } from './cli-context.js';
import { buildProgram } from './build-program.js';
import { StatusError } from './status-error.js';

/** Parse and run one command line; resolves with the exit status. Never throws. */
export async function runCli(argv: string[], streams: CliStreams, env: NodeJS.ProcessEnv): Promise<number> {
  const ctx = new CliContext(streams, env);
  try {
    const program = buildProgram(ctx);
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return reportError(ctx, err);
  } finally {
    ctx.close();
  }
}

function reportError(ctx: CliContext, err: unknown): number {
  if (err instanceof StatusError) {
    if (err.message) ctx.err(err.message.endsWith('\n') ? err.message : `${err.message}\n`);
    return err.status;
  }
  const commander = commanderStatus(err);
  if (commander !== undefined) return commander;
  ctx.err(`${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
