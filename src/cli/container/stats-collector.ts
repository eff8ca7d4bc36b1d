import type { ContainerStatsResponse } from '../../api/types/index.js';
import { readJsonStream, type ContainerClient } from '../../client/index.js';
import { emptyStatsEntry, statsEntryFromSample, type StatsEntry } from './stats-entry.js';

/** A stream silent this long makes its row show `--` (docker's collect timeout). */
const SAMPLE_TIMEOUT_MS = 2000;

/**
 * Collects the stats of one container (docker's Stats and its collect goroutine): reads the
 * daemon's samples into `entry` until the stream ends, the daemon goes quiet or `stop()`.
 * `first` settles once the first sample, error or timeout is in, whichever comes first; from then
 * on `error` tells whether the last reading failed.
 */
export class StatsCollector {
  readonly container: string;
  entry: StatsEntry;
  error: Error | undefined;
  readonly first: Promise<void>;
  private markFirst!: () => void;
  private readonly abort = new AbortController();

  constructor(container: string) {
    this.container = container;
    this.entry = emptyStatsEntry(container);
    this.first = new Promise((resolve) => (this.markFirst = resolve));
  }

  /** Reads samples; `stream` off takes one. Never throws: failures land in `error`. */
  async collect(client: ContainerClient, options: { stream: boolean }): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.fail(new Error('timeout waiting for stats'), { reset: true });
        this.markFirst();
      }, SAMPLE_TIMEOUT_MS);
    };
    try {
      const reply = await client.stats(this.container, { stream: options.stream, signal: this.abort.signal });
      arm();
      for await (const sample of readJsonStream<ContainerStatsResponse>(reply)) {
        this.entry = statsEntryFromSample(this.container, sample);
        this.error = undefined;
        this.markFirst();
        if (!options.stream) return;
        arm();
      }
      // the daemon ends a stream when the container stops
      this.fail(new Error('EOF'));
    } catch (err) {
      if (!this.abort.signal.aborted) this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      clearTimeout(timer);
      this.markFirst();
    }
  }

  /** Stop reading and release the connection. */
  stop(): void {
    this.abort.abort();
  }

  private fail(error: Error, options: { reset?: boolean } = {}): void {
    this.error = error;
    const e = this.entry;
    this.entry = options.reset
      ? { ...emptyStatsEntry(e.container), name: e.name, id: e.id, invalid: true }
      : { ...e, invalid: true };
  }
}
