import type { EndpointSettings, Network, NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse } from '../api/types/index.js';
import type { EngineConnection } from './engine-connection.js';
import { encodeFilters, type Filters } from './filters.js';
import { escapePath } from './to-query-string.js';

/** /networks endpoints. */
export class NetworkClient {
  constructor(private readonly conn: EngineConnection) {}

  list(options: { filters?: Filters } = {}): Promise<Network[]> {
    return this.conn.callJson('GET', '/networks', { query: { filters: encodeFilters(options.filters) } });
  }

  inspectRaw(ref: string): Promise<string> {
    return this.conn.callText('GET', `/networks/${escapePath(ref)}`);
  }

  create(body: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    return this.conn.callJson('POST', '/networks/create', { json: body });
  }

  remove(ref: string): Promise<void> {
    return this.conn.callVoid('DELETE', `/networks/${escapePath(ref)}`);
  }

  prune(options: { filters?: Filters } = {}): Promise<NetworkPruneResponse> {
    return this.conn.callJson('POST', '/networks/prune', { query: { filters: encodeFilters(options.filters) } });
  }

  connect(ref: string, container: string, endpoint: EndpointSettings = {}): Promise<void> {
    return this.conn.callVoid('POST', `/networks/${escapePath(ref)}/connect`, { json: { Container: container, EndpointConfig: endpoint } });
  }

  disconnect(ref: string, container: string, options: { force?: boolean } = {}): Promise<void> {
    return this.conn.callVoid('POST', `/networks/${escapePath(ref)}/disconnect`, { json: { Container: container, Force: options.force ?? false } });
  }
}
