import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumePruneResponse } from '../api/types/index.js';
import type { EngineConnection } from './engine-connection.js';
import { encodeFilters, type Filters } from './filters.js';
import { escapePath } from './to-query-string.js';

/** /volumes endpoints. */
export class VolumeClient {
  constructor(private readonly conn: EngineConnection) {}

  create(req: VolumeCreateRequest): Promise<Volume> {
    return this.conn.callJson('POST', '/volumes/create', { json: req });
  }

  list(options: { filters?: Filters } = {}): Promise<VolumeListResponse> {
    return this.conn.callJson('GET', '/volumes', { query: { filters: encodeFilters(options.filters) } });
  }

  inspectRaw(name: string): Promise<string> {
    return this.conn.callText('GET', `/volumes/${escapePath(name)}`);
  }

  remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.conn.callVoid('DELETE', `/volumes/${escapePath(name)}`, { query: { force: options.force } });
  }

  prune(options: { filters?: Filters } = {}): Promise<VolumePruneResponse> {
    return this.conn.callJson('POST', '/volumes/prune', { query: { filters: encodeFilters(options.filters) } });
  }
}
