import type { EventQuery } from '../api/routes/system.js';
import type { EventMessage } from '../api/types/index.js';
import type { DomainEvent, EventSink } from '../common/events.js';
import { InvalidArgument } from '../common/errors.js';

const KEEP = 1024;
const filterKeys = new Set(['type', 'event', 'container', 'image', 'label', 'volume', 'network', 'daemon', 'scope', 'plugin', 'node', 'service', 'secret', 'config']);

/** Past events kept for `since`, and the live subscribers of `docker events`. */
export class EventLog implements EventSink {
  private ring: EventMessage[] = [];
  private subscribers = new Set<(e: EventMessage) => void>();
  private lastNs = 0n;

  get listeners(): number {
    return this.subscribers.size;
  }

  publish(e: DomainEvent): void {
    // Strictly increasing: `since` replays and clients order events by timeNano.
    let ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    // (by 256 ns: timeNano goes out as a JSON number, a double, exact to 256 ns at today's dates)
    if (ns <= this.lastNs) ns = this.lastNs + 256n;
    this.lastNs = ns;
    const msg: EventMessage = {
      ...(e.type === 'container' || e.type === 'image' ? { status: e.action, id: e.id, ...(e.attributes.image ? { from: e.attributes.image } : {}) } : {}),
      Type: e.type,
      Action: e.action,
      Actor: { ID: e.id, Attributes: e.attributes },
      scope: 'local',
      time: Number(ns / 1_000_000_000n),
      timeNano: Number(ns),
    };
    this.ring.push(msg);
    if (this.ring.length > KEEP) this.ring.splice(0, this.ring.length - KEEP);
    for (const s of this.subscribers) s(msg);
  }

  private matcher(filters: Record<string, string[]>): (e: EventMessage) => boolean {
    for (const k of Object.keys(filters)) if (!filterKeys.has(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    const any = (key: string, test: (v: string) => boolean) => !filters[key]?.length || filters[key]!.some(test);
    return (e) =>
      any('type', (v) => v === e.Type) &&
      any('event', (v) => e.Action === v || e.Action.startsWith(`${v}:`)) &&
      any('container', (v) => e.Type === 'container' && (e.Actor.ID.startsWith(v) || e.Actor.Attributes.name === v)) &&
      any('image', (v) => e.Actor.Attributes.image === v || (e.Type === 'image' && e.Actor.ID === v)) &&
      any('label', (v) => {
        const i = v.indexOf('=');
        return i < 0 ? v in e.Actor.Attributes : e.Actor.Attributes[v.slice(0, i)] === v.slice(i + 1);
      }) &&
      any('volume', (v) => e.Type === 'volume' && e.Actor.ID === v) &&
      any('scope', (v) => v === e.scope);
  }

  /**
   * Replays kept events from `since`, then follows live ones until `until` or the signal. Bad
   * filters throw here, at once, while the API can still answer 400.
   */
  stream(q: EventQuery, signal: AbortSignal): AsyncGenerator<EventMessage> {
    return this.follow(q, this.matcher(q.filters), signal);
  }

  private async *follow(q: EventQuery, match: (e: EventMessage) => boolean, signal: AbortSignal): AsyncGenerator<EventMessage> {
    const queue: EventMessage[] = [];
    let wake: (() => void) | undefined;
    const sub = (e: EventMessage) => {
      queue.push(e);
      wake?.();
    };
    this.subscribers.add(sub);
    // What was kept before subscribing; what comes after arrives through the queue, once.
    const past = q.since !== undefined ? this.ring.slice() : [];
    const inRange = (e: EventMessage) => (q.since === undefined || BigInt(e.timeNano) >= q.since) && (q.until === undefined || BigInt(e.timeNano) <= q.until);
    try {
      for (const e of past) if (inRange(e) && match(e)) yield e;
      const nowNs = BigInt(Date.now()) * 1_000_000n;
      if (q.until !== undefined && q.until <= nowNs) return;
      const stop = new Promise<void>((r) => {
        signal.addEventListener('abort', () => r(), { once: true });
        if (q.until !== undefined) setTimeout(r, Number((q.until - nowNs) / 1_000_000n)).unref();
      });
      let done = false;
      void stop.then(() => {
        done = true;
        wake?.();
      });
      while (!done) {
        while (queue.length) {
          const e = queue.shift()!;
          if (inRange(e) && match(e)) yield e;
        }
        if (done) break;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.subscribers.delete(sub);
    }
  }
}
