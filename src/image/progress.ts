/**
 * What pull, push and load report as they go, in Docker's vocabulary (`Pulling fs layer`,
 * `Downloading`, `Pull complete`, …); the API turns these into JSON progress messages.
 */
export interface ProgressEvent {
  /** The layer's short id, a tag, or absent for lines about the whole operation. */
  id?: string;
  status: string;
  /** Bytes done and in all, for the progress bar of Downloading, Extracting, Pushing. */
  current?: number;
  total?: number;
  /** Machine-readable data for clients (push: `{Tag, Digest, Size}`). */
  aux?: unknown;
}

export type ProgressSink = (event: ProgressEvent) => void;

/** Docker's short layer id: 12 hex characters of a digest. */
export function shortLayerId(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

/**
 * Byte counts at most every `ms` per id, so that a fast download does not flood the stream;
 * the last count is always sent by whoever reports completion.
 */
export function throttled(sink: ProgressSink, ms = 100): (e: ProgressEvent) => void {
  const last = new Map<string, number>();
  return (e) => {
    const key = `${e.id ?? ''}/${e.status}`;
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < ms && e.current !== e.total) return;
    last.set(key, now);
    sink(e);
  };
}
