import { availableParallelism } from 'node:os';
import { InvalidArgument } from '../../common/errors.js';
import { checkContainerUpdate } from '../container-create-check.js';
import { writeWithBackpressure } from '../write-with-backpressure.js';
import type { ContainerStatsResponse, ContainerUpdateRequest } from '../types/index.js';
import type { Router } from '../router.js';

export interface ContainerResourcesBackend {
  update(ref: string, body: ContainerUpdateRequest): Promise<{ Warnings: string[] }>;
  /** Samples: one (stream off), or one a second until the signal (stream on). */
  stats(ref: string, opts: { stream: boolean; oneShot: boolean }, signal: AbortSignal): AsyncIterable<ContainerStatsResponse>;
}

/** docker update and docker stats. */
export function containerResourceRoutes(r: Router, b: ContainerResourcesBackend): void {
  r.add('POST', '/containers/{id}/update', async (ctx) => {
    const body = await ctx.jsonObject();
    if (!body) throw new InvalidArgument('the update request body must be a JSON object');
    checkContainerUpdate(body, { cpus: availableParallelism() });
    ctx.sendJson(200, await b.update(ctx.param('id'), body as ContainerUpdateRequest));
  });
  r.add('GET', '/containers/{id}/stats', async (ctx) => {
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const samples = b.stats(ctx.param('id'), { stream: ctx.bool('stream', true), oneShot: ctx.bool('one-shot') }, ac.signal);
    let started = false;
    for await (const s of samples) {
      if (!started) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        started = true;
      }
      // A client that stops reading holds its own stream, not berthd's memory.
      if (!(await writeWithBackpressure(res, JSON.stringify(s) + '\n'))) break;
    }
    if (!started) res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end();
  });
}
