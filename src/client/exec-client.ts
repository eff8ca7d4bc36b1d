import type { ExecCreateRequest, ExecInspect, ExecStartRequest } from '../api/types/index.js';
import { isApiVersionAtLeast } from './api-version.js';
import type { EngineConnection } from './engine-connection.js';
import type { HijackedConnection } from './hijacked-connection.js';
import { escapePath } from './to-query-string.js';

/** /exec endpoints: create in a running container, start (hijacked or detached), inspect, resize. */
export class ExecClient {
  private readonly conn: EngineConnection;

  constructor(conn: EngineConnection) {
    this.conn = conn;
  }

  async create(container: string, body: ExecCreateRequest): Promise<{ Id: string }> {
    return this.conn.callJson('POST', `/containers/${escapePath(container)}/exec`, { json: await this.withConsoleSize(body) });
  }

  /** Start attached: the connection carries the process's stdio. */
  async start(id: string, body: ExecStartRequest = {}): Promise<HijackedConnection> {
    return this.conn.hijack('POST', `/exec/${escapePath(id)}/start`, { json: await this.withConsoleSize(startBody(body, false)) });
  }

  async startDetached(id: string, body: ExecStartRequest = {}): Promise<void> {
    return this.conn.callVoid('POST', `/exec/${escapePath(id)}/start`, { json: await this.withConsoleSize(startBody(body, true)) });
  }

  inspect(id: string): Promise<ExecInspect> {
    return this.conn.callJson('GET', `/exec/${escapePath(id)}/json`);
  }

  resize(id: string, size: { height: number; width: number }): Promise<void> {
    return this.conn.callVoid('POST', `/exec/${escapePath(id)}/resize`, { query: { h: size.height, w: size.width } });
  }

  /** ConsoleSize arrived in API 1.42; older daemons reject nothing but it means nothing to them. */
  private async withConsoleSize<T extends { ConsoleSize?: [number, number] | null }>(body: T): Promise<T> {
    if (body.ConsoleSize === undefined) return body;
    const version = await this.conn.apiVersion();
    if (isApiVersionAtLeast(version, '1.42')) return body;
    const { ConsoleSize: _dropped, ...rest } = body;
    return rest as T;
  }
}

/** Field order as docker's ExecStartOptions marshals them. */
function startBody(body: ExecStartRequest, detach: boolean): ExecStartRequest {
  return { Detach: detach, Tty: body.Tty ?? false, ...(body.ConsoleSize !== undefined && { ConsoleSize: body.ConsoleSize }) };
}
