import { messageOf } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import type { Logger } from '../common/log.js';
import { nowRfc3339Nano } from '../common/time.js';
import type { ContainerRecord, HealthState } from './container.js';
import { containerEventAttributes } from './container-service.js';
import { HEALTH_DEFAULTS, probeArgv } from './healthcheck-config.js';

/** Told when a container's first process starts (or is adopted after a daemon restart) and ends. */
export interface LifecycleListener {
  started(rec: ContainerRecord, o: { adopted: boolean }): void;
  stopped(rec: ContainerRecord): void;
}

export interface HealthMonitorOptions {
  /** Runs the probe in the container through the exec path; -1 when it timed out or could not run. */
  probe(containerId: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /** Persists the record (its State.Health changed). */
  save(rec: ContainerRecord): Promise<void>;
  events: EventSink;
  log: Logger;
}

const KEEP_RESULTS = 5;

/**
 * Docker's healthchecks: while a container with a check runs, a probe every interval (the first
 * one interval after the start); `retries` failures in a row make it unhealthy, one success
 * healthy; failures during the start period do not count while it is still starting. A change
 * of status is a `health_status: <status>` event. A stopped container is unhealthy.
 */
export class HealthMonitor implements LifecycleListener {
  /** Per running container: a token that a stop or a new start replaces, and the next probe's timer. */
  private runs = new Map<string, { timer?: NodeJS.Timeout }>();

  constructor(private readonly o: HealthMonitorOptions) {}

  started(rec: ContainerRecord, o: { adopted: boolean }): void {
    this.stop(rec.id);
    const argv = probeArgv(rec.config.healthcheck, rec.config.shell);
    if (!argv) {
      delete rec.state.health;
      return;
    }
    if (!o.adopted || !rec.state.health) {
      rec.state.health = { status: 'starting', failingStreak: 0, log: rec.state.health?.log ?? [] };
    }
    const run: { timer?: NodeJS.Timeout } = {};
    this.runs.set(rec.id, run);
    this.schedule(rec, run, argv);
  }

  stopped(rec: ContainerRecord): void {
    this.stop(rec.id);
    if (rec.state.health) rec.state.health.status = 'unhealthy';
  }

  private stop(id: string): void {
    const run = this.runs.get(id);
    if (run?.timer) clearTimeout(run.timer);
    this.runs.delete(id);
  }

  private schedule(rec: ContainerRecord, run: { timer?: NodeJS.Timeout }, argv: string[]): void {
    const h = rec.config.healthcheck!;
    const interval = h.intervalNs ? h.intervalNs / 1e6 : HEALTH_DEFAULTS.intervalMs;
    run.timer = setTimeout(() => void this.probeOnce(rec, run, argv), interval);
    run.timer.unref();
  }

  private async probeOnce(rec: ContainerRecord, run: { timer?: NodeJS.Timeout }, argv: string[]): Promise<void> {
    if (this.runs.get(rec.id) !== run) return;
    const h = rec.config.healthcheck!;
    // A frozen container cannot answer: its probe waits for the unpause.
    if (rec.state.status !== 'running') {
      this.schedule(rec, run, argv);
      return;
    }
    const timeout = h.timeoutNs ? Math.max(1, Math.round(h.timeoutNs / 1e6)) : HEALTH_DEFAULTS.timeoutMs;
    const start = nowRfc3339Nano();
    let result: { exitCode: number; output: string };
    try {
      result = await this.o.probe(rec.id, argv, timeout);
    } catch (err) {
      result = { exitCode: -1, output: messageOf(err) };
    }
    if (this.runs.get(rec.id) !== run || !rec.state.health) return;
    const health = rec.state.health;
    const before = health.status;
    record(health, { start, end: nowRfc3339Nano(), ...result }, {
      retries: h.retries || HEALTH_DEFAULTS.retries,
      inStartPeriod: Date.now() - Date.parse(rec.state.startedAt) < h.startPeriodNs / 1e6,
    });
    if (health.status !== before) {
      this.o.events.publish({
        type: 'container',
        action: `health_status: ${health.status}`,
        id: rec.id,
        attributes: containerEventAttributes(rec),
      });
    }
    await this.o.save(rec).catch((err) => this.o.log.warn('recording a health check failed', { id: rec.id, error: messageOf(err) }));
    if (this.runs.get(rec.id) === run) this.schedule(rec, run, argv);
  }
}

/** Applies one probe's result to the health state (moby's handleProbeResult). */
export function record(h: HealthState, r: HealthState['log'][number], o: { retries: number; inStartPeriod: boolean }): void {
  h.log = [...h.log, r].slice(-KEEP_RESULTS);
  if (r.exitCode === 0) {
    h.failingStreak = 0;
    h.status = 'healthy';
    return;
  }
  // Failures while still starting up do not count.
  if (o.inStartPeriod && h.status === 'starting') return;
  h.failingStreak++;
  if (h.failingStreak >= o.retries) h.status = 'unhealthy';
}
