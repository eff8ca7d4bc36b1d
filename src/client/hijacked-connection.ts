import type { Readable } from 'node:stream';

/**
 * A hijacked attach/exec connection: after the HTTP exchange the socket carries raw stream bytes
 * both ways. `output` is what the daemon writes (multiplexed unless the container has a TTY).
 * Callers half-close with `closeWrite()` when their input ends and keep reading `output` until it
 * ends; `destroy()` drops the connection.
 */
export interface HijackedConnection {
  readonly output: Readable;
  /** Content type the daemon announced (raw or multiplexed; API < 1.42 always says raw). */
  readonly contentType: string | undefined;
  write(chunk: Buffer | string): boolean;
  /** Resolve once buffered input has drained. */
  drain(): Promise<void>;
  closeWrite(): void;
  destroy(): void;
}
