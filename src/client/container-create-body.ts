import type { ContainerConfig, EndpointSettings, HostConfig } from '../api/types/index.js';

/**
 * Fields the docker CLI sends in a create body that src/api/types does not declare (daemons
 * ignore the ones they do not know). Kept here so the CLI can send docker's body unchanged.
 */
export interface HostConfigBody extends HostConfig {
  BlkioWeightDevice?: unknown[] | null;
  BlkioDeviceReadBps?: unknown[] | null;
  BlkioDeviceWriteBps?: unknown[] | null;
  BlkioDeviceReadIOps?: unknown[] | null;
  BlkioDeviceWriteIOps?: unknown[] | null;
  DeviceRequests?: unknown[] | null;
  CpuCount?: number;
  CpuPercent?: number;
  IOMaximumIOps?: number;
  IOMaximumBandwidth?: number;
}

export interface EndpointSettingsBody extends EndpointSettings {
  GwPriority?: number;
  DNSNames?: string[] | null;
}

/** Body of POST /containers/create as the docker CLI builds it. */
export interface ContainerCreateBody extends ContainerConfig {
  HostConfig?: HostConfigBody;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointSettingsBody> | null };
}
