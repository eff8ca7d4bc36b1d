import { StreamId } from '../api/types/index.js';

export interface StreamFrame {
  /** 0 stdin, 1 stdout, 2 stderr, 3 systemerr (see StreamId). */
  stream: number;
  payload: Buffer;
}

const HEADER_SIZE = 8;

/** The daemon reported an error inside a multiplexed stream (stream id 3). */
export class StreamSystemError extends Error {
  constructor(message: string) {
    super(`Error from daemon in stream: ${message}`);
    this.name = 'StreamSystemError';
  }
}

/**
 * Undoes moby's stdcopy framing: each frame is `[stream, 0, 0, 0, size (u32 BE)]` followed by
 * `size` bytes. Chunks may split headers and payloads anywhere.
 */
export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): StreamFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: StreamFrame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_SIZE) {
      const stream = this.pending[offset]!;
      if (stream > StreamId.systemerr) throw new Error(`Unrecognized input header: ${stream}`);
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_SIZE < size) break;
      const start = offset + HEADER_SIZE;
      frames.push({ stream, payload: this.pending.subarray(start, start + size) });
      offset = start + size;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }

  /** True when the stream ended in the middle of a frame. */
  hasPartialFrame(): boolean {
    return this.pending.length > 0;
  }
}

/** Frame a payload the way the daemon does; used by tests and by fake peers. */
export function encodeFrame(stream: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(HEADER_SIZE);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}
