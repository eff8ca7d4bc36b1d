import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { collect } from '../options/collect.js';
import { onAction } from '../on-action.js';
import { keyValues } from './key-values.js';

interface CreateOptions {
  driver?: string;
  subnet?: string[];
  gateway?: string[];
  internal?: boolean;
  attachable?: boolean;
  label?: string[];
  opt?: string[];
}

/** `berth network create [OPTIONS] NETWORK` */
export function networkCreateCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'create', description: 'Create a network', usage: '[OPTIONS] NETWORK' })
    .option('-d, --driver <string>', 'Driver to manage the Network', 'bridge')
    .option('--subnet <strings>', 'Subnet in CIDR format that represents a network segment', collect)
    .option('--gateway <strings>', 'IPv4 or IPv6 Gateway for the master subnet', collect)
    .option('--internal', 'Restrict external access to the network')
    .option('--attachable', 'Enable manual container attachment')
    .option('--label <list>', 'Set metadata on a network', collect)
    .option('-o, --opt <map>', 'Set driver specific options', collect);
  return onAction<CreateOptions>(cmd, ctx, { args: { exact: 1 }, run: async ([name], opts) => {
    const subnets = opts.subnet ?? [];
    const gateways = opts.gateway ?? [];
    const r = await ctx.client.networks.create({
      Name: name!, CheckDuplicate: true, Driver: opts.driver ?? 'bridge', Internal: Boolean(opts.internal),
      Attachable: Boolean(opts.attachable), Labels: keyValues(opts.label), Options: keyValues(opts.opt),
      IPAM: { Driver: 'default', Options: {}, Config: subnets.map((s, i) => ({ Subnet: s, ...(gateways[i] ? { Gateway: gateways[i] } : {}) })) },
    });
    ctx.out(`${r.Id}\n`);
  } });
}
