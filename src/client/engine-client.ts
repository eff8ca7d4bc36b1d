import type { EventMessage, SystemInfo, SystemVersion } from '../api/types/index.js';
import { ContainerClient } from './container-client.js';
import type { DaemonAddress } from './daemon-address.js';
import { EngineConnection, type PingResult } from './engine-connection.js';
import { ExecClient } from './exec-client.js';
import { encodeFilters, type Filters } from './filters.js';
import { HttpTransport } from './http-transport.js';
import { ImageClient } from './image-client.js';
import { NetworkClient } from './network-client.js';
import { readJsonStream } from './json-stream-splitter.js';
import { VolumeClient } from './volume-client.js';

export interface EngineClientOptions {
  /** Pin the API version instead of negotiating (docker's DOCKER_API_VERSION). */
  apiVersion?: string;
}

export interface EventsOptions {
  since?: string;
  until?: string;
  filters?: Filters;
  signal?: AbortSignal;
}

/**
 * Typed Engine API client. Works against berthd and Docker Engine alike. Holds a keep-alive
 * agent: call close() when done so the process can exit.
 */
export class EngineClient {
  readonly connection: EngineConnection;
  readonly containers: ContainerClient;
  readonly exec: ExecClient;
  readonly images: ImageClient;
  readonly volumes: VolumeClient;
  readonly networks: NetworkClient;

  constructor(address: DaemonAddress, options: EngineClientOptions = {}) {
    this.connection = new EngineConnection(new HttpTransport(address), options);
    this.containers = new ContainerClient(this.connection);
    this.exec = new ExecClient(this.connection);
    this.images = new ImageClient(this.connection);
    this.volumes = new VolumeClient(this.connection);
    this.networks = new NetworkClient(this.connection);
  }

  get address(): DaemonAddress {
    return this.connection.transport.address;
  }

  ping(): Promise<PingResult> {
    return this.connection.ping();
  }

  apiVersion(): Promise<string> {
    return this.connection.apiVersion();
  }

  version(): Promise<SystemVersion> {
    return this.connection.callJson('GET', '/version');
  }

  info(): Promise<SystemInfo> {
    return this.connection.callJson('GET', '/info');
  }

  /** The daemon's event stream; ends when `until` passes or `signal` aborts. */
  async *events(options: EventsOptions = {}): AsyncGenerator<EventMessage> {
    const reply = await this.connection.call('GET', '/events', {
      query: { since: options.since || undefined, until: options.until || undefined, filters: encodeFilters(options.filters) },
      signal: options.signal,
    });
    yield* readJsonStream<EventMessage>(reply);
  }

  close(): void {
    this.connection.close();
  }
}
