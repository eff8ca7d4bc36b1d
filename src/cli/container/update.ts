import { Option } from 'commander';
import type { ContainerUpdateRequest } from '../../api/types/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { parseIntFlag } from '../options/collect.js';
import { flagParser } from '../options/flag-value-error.js';
import { parseNanoCpus } from '../options/parse-nano-cpus.js';
import { parseRamBytes } from '../options/parse-ram-bytes.js';
import { parseRestartPolicy } from '../options/parse-restart-policy.js';
import { StatusError } from '../status-error.js';

interface UpdateOptions {
  blkioWeight?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  cpuShares?: number;
  cpus?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  kernelMemory?: number;
  memory?: number;
  memoryReservation?: number;
  memorySwap?: number;
  pidsLimit?: number;
  restart?: string;
}

/** `berth update [OPTIONS] CONTAINER [CONTAINER...]` */
export function updateCommand(ctx: CliContext): BerthCommand {
  const bytes = (flag: string) => flagParser<number>(flag, (v) => parseRamBytes(v));
  const int = (flag: string) => flagParser<number>(flag, (v) => parseIntFlag(v));
  const cmd = newCommand({ name: 'update', description: 'Update configuration of one or more containers', usage: '[OPTIONS] CONTAINER [CONTAINER...]' })
    .option('--blkio-weight <uint16>', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', flagParser('--blkio-weight', parseUint16))
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period', int('--cpu-period'))
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota', int('--cpu-quota'))
    .option('--cpu-rt-period <int>', 'Limit the CPU real-time period in microseconds', int('--cpu-rt-period'))
    .option('--cpu-rt-runtime <int>', 'Limit the CPU real-time runtime in microseconds', int('--cpu-rt-runtime'))
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)', int('-c, --cpu-shares'))
    .option('--cpus <decimal>', 'Number of CPUs', flagParser('--cpus', (v: string) => parseNanoCpus(v)))
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('-m, --memory <bytes>', 'Memory limit', bytes('-m, --memory'))
    .option('--memory-reservation <bytes>', 'Memory soft limit', bytes('--memory-reservation'))
    .option('--memory-swap <bytes>', 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', flagParser('--memory-swap', (v: string) => (v === '-1' ? -1 : parseRamBytes(v))))
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)', int('--pids-limit'))
    .option('--restart <string>', 'Restart policy to apply when a container exits');
  // deprecated and hidden in docker; still accepted and sent
  cmd.addOption(new Option('--kernel-memory <bytes>', 'Kernel memory limit (deprecated)').argParser(bytes('--kernel-memory')).hideHelp());
  return onAction<UpdateOptions>(cmd, ctx, { args: { min: 1 }, run: async (names, opts) => {
    if (!Object.values(opts).some((v) => v !== undefined)) throw new StatusError(1, 'you must provide one or more flags when using this command\n');
    let body: ContainerUpdateRequest;
    try {
      body = updateRequest(opts);
    } catch (err) {
      throw new StatusError(1, `${(err as Error).message}\n`);
    }
    // one at a time, in order, as docker does: each success printed as it comes, failures at the end
    const warnings: string[] = [];
    const errors: string[] = [];
    for (const name of names) {
      try {
        const reply = await ctx.client.containers.update(name, body);
        ctx.out(`${name}\n`);
        warnings.push(...(reply?.Warnings ?? []));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (warnings.length > 0) ctx.out(`${warnings.join('\n')}\n`);
    if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\n`);
    return 0;
  } });
}

/** The body docker sends: every resource field (zero = leave as is), PidsLimit only when set. */
export function updateRequest(opts: UpdateOptions): ContainerUpdateRequest {
  const restart = opts.restart ? parseRestartPolicy(opts.restart) : { Name: '' as const, MaximumRetryCount: 0 };
  return {
    BlkioWeight: opts.blkioWeight ?? 0,
    CpusetCpus: opts.cpusetCpus ?? '',
    CpusetMems: opts.cpusetMems ?? '',
    CpuShares: opts.cpuShares ?? 0,
    Memory: opts.memory ?? 0,
    MemoryReservation: opts.memoryReservation ?? 0,
    MemorySwap: opts.memorySwap ?? 0,
    KernelMemory: opts.kernelMemory ?? 0,
    CpuPeriod: opts.cpuPeriod ?? 0,
    CpuQuota: opts.cpuQuota ?? 0,
    CpuRealtimePeriod: opts.cpuRtPeriod ?? 0,
    CpuRealtimeRuntime: opts.cpuRtRuntime ?? 0,
    NanoCpus: opts.cpus ?? 0,
    ...(opts.pidsLimit ? { PidsLimit: opts.pidsLimit } : {}),
    RestartPolicy: restart,
  };
}

/** pflag's uint16 (strconv.ParseUint with bitSize 16). */
function parseUint16(value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`);
  const n = Number(value);
  if (n > 0xffff) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(value)}: value out of range`);
  return n;
}
