import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { collect } from '../options/collect.js';
import { StatusError } from '../status-error.js';

function keyValues(list: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (flag === '--opt' && eq <= 0) throw new StatusError(125, `invalid argument "${item}" for "-o, --opt" flag: invalid key value pair format in driver options\n`);
    if (eq < 0) out[item] = '';
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `berth volume create [OPTIONS] [VOLUME]` */
export function volumeCreateCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'create', description: 'Create a volume', usage: '[OPTIONS] [VOLUME]' })
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <list>', 'Set metadata for a volume', collect)
    .option('--name <string>', 'Specify volume name')
    .option('-o, --opt <map>', 'Set driver specific options', collect);
  return onAction<{ driver: string; label?: string[]; name?: string; opt?: string[] }>(cmd, ctx, { args: { max: 1 }, run: async ([name], opts) => {
    if (name && opts.name && name !== opts.name) {
      throw new StatusError(1, `conflicting options: either specify --name or provide positional arg, not both\n`);
    }
    const v = await ctx.client.volumes.create({
      Name: name ?? opts.name ?? '',
      Driver: opts.driver,
      DriverOpts: keyValues(opts.opt, '--opt'),
      Labels: keyValues(opts.label, '--label'),
    });
    ctx.out(`${v.Name}\n`);
  } });
}
