import { bytesSize, humanSize } from '../format/human-size.js';
import { truncateId } from '../format/truncate-id.js';
import { GO_TYPE_NAME } from '../template/go-template.js';
import { GO_JSON, goMarshal } from '../template/template-value.js';
import type { StatsEntry } from './stats-entry.js';

export const DEFAULT_STATS_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/** Column titles for `table` formats. */
export const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER',
  Name: 'NAME',
  ID: 'CONTAINER ID',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

const INVALID = '--';

/** One `docker stats` row as templates see it (docker's statsContext, Linux daemon). */
export class StatsRow {
  readonly [GO_TYPE_NAME] = '*container.statsContext';
  private readonly s: StatsEntry;
  private readonly trunc: boolean;

  constructor(s: StatsEntry, options: { trunc: boolean }) {
    this.s = s;
    this.trunc = options.trunc;
  }

  get Container(): string {
    return this.s.container;
  }

  get Name(): string {
    return this.s.name.length > 1 ? this.s.name.slice(1) : INVALID;
  }

  get ID(): string {
    return this.trunc ? truncateId(this.s.id) : this.s.id;
  }

  get CPUPerc(): string {
    return this.s.invalid ? INVALID : formatPercentage(this.s.cpuPercent);
  }

  get MemUsage(): string {
    return this.s.invalid ? `${INVALID} / ${INVALID}` : `${bytesSize(this.s.memory)} / ${bytesSize(this.s.memoryLimit)}`;
  }

  get MemPerc(): string {
    return this.s.invalid ? INVALID : formatPercentage(this.s.memoryPercent);
  }

  get NetIO(): string {
    return this.s.invalid ? INVALID : `${humanSize(this.s.networkRx, 3)} / ${humanSize(this.s.networkTx, 3)}`;
  }

  get BlockIO(): string {
    return this.s.invalid ? INVALID : `${humanSize(this.s.blockRead, 3)} / ${humanSize(this.s.blockWrite, 3)}`;
  }

  get PIDs(): string {
    return this.s.invalid ? INVALID : String(this.s.pids);
  }

  /** `{{json .}}`: every field, keys sorted, as docker's MarshalJSON does. */
  toJSON(): Record<string, unknown> {
    const keys = ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs'] as const;
    return Object.fromEntries(keys.map((k) => [k, this[k]]));
  }

  [GO_JSON](): string {
    return goMarshal(this.toJSON());
  }
}

/**
 * Go's strconv.FormatFloat(v, 'f', 2, 64) plus "%". toFixed rounds an exact tie (x.125, x.625:
 * the only ties a double can hold at two decimals) up, Go to the even digit.
 */
export function formatPercentage(value: number): string {
  const isTie = Number.isInteger(value * 8) && !Number.isInteger(value * 4);
  if (isTie) {
    const cents = Math.floor(Math.abs(value) * 100);
    const even = cents % 2 === 0 ? cents : cents + 1;
    return `${value < 0 ? '-' : ''}${(even / 100).toFixed(2)}%`;
  }
  return `${value.toFixed(2)}%`;
}
