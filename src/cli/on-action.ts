import type { BerthCommand } from './berth-command.js';
import type { CliContext } from './cli-context.js';

/** Argument counts, checked with docker's messages (cli.RequiresMinArgs and friends). */
export type ArgsRule = { exact: number } | { min: number; max?: number } | { max: number };

export type CommandHandler<O> = (args: string[], options: O, cmd: BerthCommand) => Promise<number | void>;

/** Attach a handler: check the argument count, run, and record the exit status in `ctx`. */
export function onAction<O>(cmd: BerthCommand, ctx: CliContext, action: { args: ArgsRule; run: CommandHandler<O> }): BerthCommand {
  cmd.action(async () => {
    const args = cmd.args;
    checkArgs(cmd, action.args, args.length);
    const status = await action.run(args, cmd.opts<O & Record<string, unknown>>(), cmd);
    ctx.exitCode = status ?? 0;
  });
  return cmd;
}

/** docker says "See …" after a too-few-arguments error and "Run …" after the others. */
function checkArgs(cmd: BerthCommand, rule: ArgsRule, count: number): void {
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  if ('exact' in rule) {
    if (count !== rule.exact) throw cmd.argsError(rule.exact === 0 ? 'accepts no arguments' : `requires ${plural(rule.exact)}`, 'Run');
    return;
  }
  if ('min' in rule && count < rule.min) throw cmd.argsError(`requires at least ${plural(rule.min)}`, 'See');
  if (rule.max !== undefined && count > rule.max) {
    throw cmd.argsError(rule.max === 0 ? 'accepts no arguments' : `requires at most ${plural(rule.max)}`, 'Run');
  }
}
