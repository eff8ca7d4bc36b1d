import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Conflict, InvalidArgument } from '../../common/errors.js';
import { hostCgroupLayout } from '../cgroups.js';
import { type ContainerRecord, readRecord } from './container-record.js';
import { containerStatus } from './container-status.js';
import type { OciCommand } from './oci-command.js';
import { readRuncStats, stringifyWithBigints } from './runc-stats.js';
import { writeStdout } from './write-stdio.js';

/** How often the stream looks for an OOM kill between stats: runc is told at once by an eventfd. */
const OOM_POLL_MS = 100;

/** A Go duration ("5s", "250ms", "1m30s") in milliseconds. */
export function parseDuration(s: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  let rest = s;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) throw new InvalidArgument(`invalid value "${s}" for flag -interval: parse error`);
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest)!;
    ms += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return ms;
}

function isRunning(root: string, rec: ContainerRecord): boolean {
  const s = containerStatus(root, rec);
  return s === 'running' || s === 'created' || s === 'paused';
}

async function oomKills(file: string | undefined): Promise<number> {
  if (!file) return 0;
  const text = await readFile(file, 'utf8').catch(() => '');
  // v1 memory.oom_control and v2 memory.events both have an "oom_kill N" line.
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** `events [--stats] [--interval D] <id>`: the container's stats once, or stats and OOM kills as a stream of JSON lines. */
export const eventsCommand: OciCommand = {
  name: 'events',
  usage: '<container-id>',
  description: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
  flags: [
    { names: ['interval'], kind: 'string', help: 'set the stats collection interval (default: 5s)' },
    { names: ['stats'], kind: 'bool', help: "display the container's stats then exit" },
  ],
  args: { min: 1, max: 1 },
  interspersed: true,
  async run(ctx, [id], flags) {
    const root = ctx.global.root;
    const interval = parseDuration(flags.string('interval') ?? '5s');
    if (interval <= 0) throw new InvalidArgument('duration interval must be greater than 0');
    const rec = readRecord(root, id!);
    if (!isRunning(root, rec)) throw new Conflict(`container with id ${rec.id} is not running`);
    const layout = hostCgroupLayout();
    const stats = async () => stringifyWithBigints({ type: 'stats', id: rec.id, data: await readRuncStats(rec.cgroups, layout) });
    if (flags.bool('stats')) {
      writeStdout(`${await stats()}\n`);
      return 0;
    }
    let ooms = await oomKills(rec.cgroups.oomFile);
    let next = Date.now();
    // Until the container stops: the stream is how a caller waits on it, as with runc.
    while (isRunning(root, rec)) {
      const seen = await oomKills(rec.cgroups.oomFile);
      if (seen > ooms) writeStdout(`${JSON.stringify({ type: 'oom', id: rec.id })}\n`);
      ooms = seen;
      if (Date.now() >= next) {
        writeStdout(`${await stats()}\n`);
        next = Date.now() + interval;
      }
      await sleep(Math.min(OOM_POLL_MS, Math.max(1, next - Date.now())));
    }
    return 0;
  },
};
