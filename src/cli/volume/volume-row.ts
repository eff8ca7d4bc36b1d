import type { Volume } from '../../api/types/index.js';
import { GO_TYPE_NAME } from '../template/go-template.js';
import { GO_JSON, goMarshal } from '../template/template-value.js';

export const DEFAULT_VOLUMES_FORMAT = 'table {{.Driver}}\t{{.Name}}';

export const VOLUMES_HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
};

/** One `docker volume ls` row (docker's formatter.volumeContext). */
export class VolumeRow {
  readonly [GO_TYPE_NAME] = '*formatter.volumeContext';

  constructor(private readonly v: Volume) {}

  get Name(): string {
    return this.v.Name;
  }

  get Driver(): string {
    return this.v.Driver;
  }

  get Scope(): string {
    return this.v.Scope;
  }

  get Mountpoint(): string {
    return this.v.Mountpoint;
  }

  get Labels(): string {
    return Object.entries(this.v.Labels ?? {}).map(([k, val]) => `${k}=${val}`).join(',');
  }

  Label(name: string): string {
    return this.v.Labels?.[name] ?? '';
  }

  get Links(): string {
    return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A';
  }

  get Size(): string {
    return this.v.UsageData ? String(this.v.UsageData.Size) : 'N/A';
  }

  toJSON(): Record<string, unknown> {
    return {
      Availability: 'N/A', Driver: this.Driver, Group: 'N/A', Labels: this.Labels, Links: this.Links, Mountpoint: this.Mountpoint,
      Name: this.Name, Scope: this.Scope, Size: this.Size, Status: 'N/A',
    };
  }

  [GO_JSON](): string {
    return goMarshal(this.toJSON());
  }
}
