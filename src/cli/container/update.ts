import type { ContainerUpdateRequest } from '../../api/types/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { parseIntFlag } from '../options/collect.js';
import { flagParser } from '../options/flag-value-error.js';
import { parseNanoCpus } from '../options/parse-nano-cpus.js';
import { parseRamBytes } from '../options/parse-ram-bytes.js';
import { parseRestartPolicy } from '../options/parse-restart-policy.js';
import type { ContainerFlags } from './container-flags.js';
import { forEachContainer } from './for-each-container.js';

type UpdateOptions = Pick<ContainerFlags, 'restart' | 'memory' | 'memorySwap' | 'memoryReservation' | 'cpus' | 'cpuShares' | 'cpusetCpus' | 'pidsLimit'>;

/** `berth update [--restart] [-m] [--cpus] ... CONTAINER...`: new limits and restart policy. */
export function updateCommand(ctx: CliContext): BerthCommand {
  const int = (flag: string) => flagParser<number>(flag, (v) => parseIntFlag(v));
  const bytes = (flag: string) => flagParser<number>(flag, (v) => (v === '-1' ? -1 : parseRamBytes(v)));
  const cmd = newCommand({ name: 'update', description: 'Update configuration of one or more containers', usage: '[OPTIONS] CONTAINER [CONTAINER...]' })
    .option('--restart <string>', 'Restart policy to apply when a container exits')
    .option('-m, --memory <bytes>', 'Memory limit', bytes('-m, --memory'))
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: -1 to enable unlimited swap", bytes('--memory-swap'))
    .option('--memory-reservation <bytes>', 'Memory soft limit', bytes('--memory-reservation'))
    .option('--cpus <decimal>', 'Number of CPUs', flagParser('--cpus', (v: string) => parseNanoCpus(v)))
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)', int('-c, --cpu-shares'))
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)', int('--pids-limit'));
  return onAction<UpdateOptions>(cmd, ctx, {
    args: { min: 1 },
    run: (names, o) => {
      const body: ContainerUpdateRequest = {
        ...(o.restart !== undefined ? { RestartPolicy: parseRestartPolicy(o.restart) } : {}),
        ...(o.memory !== undefined ? { Memory: o.memory } : {}),
        ...(o.memorySwap !== undefined ? { MemorySwap: o.memorySwap } : {}),
        ...(o.memoryReservation !== undefined ? { MemoryReservation: o.memoryReservation } : {}),
        ...(o.cpus !== undefined ? { NanoCpus: o.cpus } : {}),
        ...(o.cpuShares !== undefined ? { CpuShares: o.cpuShares } : {}),
        ...(o.cpusetCpus !== undefined ? { CpusetCpus: o.cpusetCpus } : {}),
        ...(o.pidsLimit !== undefined ? { PidsLimit: o.pidsLimit } : {}),
      };
      return forEachContainer(ctx, names, { run: (name) => ctx.client.containers.update(name, body) });
    },
  });
}
