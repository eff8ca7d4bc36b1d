import type { Socket } from 'node:net';
import { InvalidArgument } from '../../common/errors.js';
import { checkExecCreate, checkExecStart } from '../exec-request-check.js';
import type { ExecCreateRequest, ExecInspect, ExecStartRequest } from '../types/index.js';
import type { Router } from '../router.js';
import { streamContentType } from './containers.js';

export interface ExecBackend {
  create(ref: string, body: ExecCreateRequest): Promise<{ Id: string }>;
  /**
   * Starts the exec; with a socket, its streams go there. `message` is why it could not start;
   * `programError` says the fault was the program's (not found, not executable), the client's.
   */
  start(id: string, body: ExecStartRequest, socket: Socket | undefined): Promise<{ ok: boolean; message?: string; programError?: boolean }>;
  inspect(id: string): ExecInspect;
  resize(id: string, rows: number, cols: number): void;
  /** Throws NotFound for an unknown exec. */
  tty(id: string): boolean;
}

export function execRoutes(r: Router, b: ExecBackend): void {
  r.add('POST', '/containers/{id}/exec', async (ctx) => {
    const body = (await ctx.jsonObject()) ?? {};
    checkExecCreate(body);
    ctx.sendJson(201, await b.create(ctx.param('id'), body as ExecCreateRequest));
  });
  r.add('GET', '/exec/{id}/json', (ctx) => ctx.sendJson(200, b.inspect(ctx.param('id'))));
  r.add('POST', '/exec/{id}/resize', (ctx) => {
    b.resize(ctx.param('id'), ctx.int('h', 0, { min: 0, max: 65535 }), ctx.int('w', 0, { min: 0, max: 65535 }));
    ctx.noContent(200);
  });
  r.add('POST', '/exec/{id}/start', async (ctx) => {
    const id = ctx.param('id');
    const raw = (await ctx.jsonObject()) ?? {};
    checkExecStart(raw);
    const body = raw as ExecStartRequest;
    if (body.Detach) {
      const r0 = await b.start(id, body, undefined);
      if (!r0.ok) throw r0.programError ? new InvalidArgument(r0.message ?? 'exec failed') : new Error(r0.message);
      if (ctx.upgrade) {
        const s = await ctx.hijack('application/json');
        s.end();
      } else {
        ctx.noContent(200);
      }
      return;
    }
    const tty = b.tty(id);
    const socket = await ctx.hijack(streamContentType(tty, ctx.version));
    const result = await b.start(id, body, socket);
    if (!result.ok) {
      // The answer has begun: the reason goes down the stream, as moby writes it.
      const text = Buffer.from(`${result.message}\r\n`);
      if (tty) socket.end(text);
      else {
        const h = Buffer.alloc(8);
        h[0] = 1;
        h.writeUInt32BE(text.length, 4);
        socket.end(Buffer.concat([h, text]));
      }
    }
  }, { hijack: true });
}
