import type { ContainerSummary, Port } from '../../api/types/index.js';
import { ellipsis } from '../format/ellipsis.js';
import { goQuote } from '../format/go-quote.js';
import { formatGoTime } from '../format/format-go-time.js';
import { humanSize } from '../format/human-size.js';
import { timeAgo } from '../format/time-ago.js';
import { truncateId } from '../format/truncate-id.js';
import { familiarString, parseImageReference } from '../image/image-reference.js';
import { GO_TYPE_NAME } from '../template/go-template.js';
import { GO_JSON, goMarshal } from '../template/template-value.js';

export const DEFAULT_PS_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Column titles for `table` formats. */
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
};

/** The header context: titles by field, and `.Label "com.x.y"` titled by its last part. */
export function psHeader(): object {
  return { ...PS_HEADERS, Label: (name: string) => (name.split('.').pop() ?? '').replace(/[-_]/g, ' ') };
}

/** One `docker ps` row as templates see it (docker's formatter.ContainerContext). */
export class ContainerRow {
  readonly [GO_TYPE_NAME] = '*formatter.ContainerContext';
  private readonly c: ContainerSummary;
  private readonly trunc: boolean;
  private readonly now: number;
  /** Set when a template reads `.Size`, so the list can be fetched with sizes. */
  sizeUsed = false;

  constructor(c: ContainerSummary, options: { trunc: boolean; now?: number }) {
    this.c = c;
    this.trunc = options.trunc;
    this.now = options.now ?? Date.now();
  }

  get ID(): string {
    return this.trunc ? truncateId(this.c.Id) : this.c.Id;
  }

  get Names(): string {
    const names = (this.c.Names ?? []).map((n) => n.replace(/^\//, ''));
    // legacy links add names with a slash inside; the short form shows only the real one
    if (this.trunc) return names.find((n) => !n.includes('/')) ?? '';
    return names.join(',');
  }

  get Image(): string {
    const image = this.c.Image;
    if (!image) return '<no image>';
    if (!this.trunc) return image;
    if (truncateId(this.c.ImageID ?? '') === truncateId(image)) return truncateId(image);
    try {
      const ref = parseImageReference(image);
      delete ref.digest;
      return familiarString(ref);
    } catch {
      return image;
    }
  }

  get Command(): string {
    const command = this.c.Command ?? '';
    return goQuote(this.trunc ? ellipsis(command, 20) : command);
  }

  get CreatedAt(): string {
    return formatGoTime(new Date(this.c.Created * 1000));
  }

  get RunningFor(): string {
    return timeAgo(this.c.Created, this.now);
  }

  get Ports(): string {
    return displayablePorts(this.c.Ports ?? []);
  }

  get State(): string {
    return this.c.State;
  }

  get Status(): string {
    return this.c.Status;
  }

  get Size(): string {
    this.sizeUsed = true;
    const rw = humanSize(this.c.SizeRw ?? 0, 3);
    const rootFs = this.c.SizeRootFs ?? 0;
    return rootFs > 0 ? `${rw} (virtual ${humanSize(rootFs, 3)})` : rw;
  }

  get Labels(): string {
    return Object.entries(this.c.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  }

  Label(name: string): string {
    return this.c.Labels?.[name] ?? '';
  }

  get Mounts(): string {
    return (this.c.Mounts ?? [])
      .map((m) => {
        const name = m.Name || m.Source;
        return this.trunc ? ellipsis(name, 15) : name;
      })
      .join(',');
  }

  get LocalVolumes(): string {
    return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }

  get Networks(): string {
    return Object.keys(this.c.NetworkSettings?.Networks ?? {})
      .sort()
      .join(',');
  }

  get Platform(): null {
    return null;
  }

  /** `{{json .}}`: every field, keys sorted, as docker's MarshalJSON does. */
  toJSON(): Record<string, unknown> {
    const keys = ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status'] as const;
    return Object.fromEntries(keys.map((k) => [k, this[k]]));
  }

  [GO_JSON](): string {
    return goMarshal(this.toJSON());
  }
}

/** "0.0.0.0:8080->80/tcp, 9000-9002/tcp": docker's DisplayablePorts, ranges grouped. */
export function displayablePorts(input: readonly Port[]): string {
  const ports = [...input].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of ports) {
    const current = port.PrivatePort;
    let key: string = port.Type;
    if (port.IP) {
      if (port.PublicPort !== current) {
        hostMappings.push(`${joinHostPort(port.IP, port.PublicPort ?? 0)}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    // re-inserting keeps Map order = first-seen order, as docker's groupMapKeys does
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  result.push(...hostMappings);
  return result.join(', ');
}

function formGroup(key: string, first: number, last: number): string {
  const slash = key.lastIndexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const type = slash >= 0 ? key.slice(slash + 1) : key;
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip) group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function comparePorts(a: Port, b: Port): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  if ((a.IP ?? '') !== (b.IP ?? '')) return (a.IP ?? '') < (b.IP ?? '') ? -1 : 1;
  if ((a.PublicPort ?? 0) !== (b.PublicPort ?? 0)) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}
