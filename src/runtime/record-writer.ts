import { PlanConst } from './plan-codes.js';

/**
 * Builds the flat records C reads (berth-plan.h): u16 tag | u16 0 | u32 length | payload,
 * little endian, strings NUL-terminated.
 */
export class RecordWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  /** A record whose payload is made of these parts in order. */
  record(tag: number, ...parts: RecordPart[]): this {
    const payload = parts.map(encodePart);
    const len = payload.reduce((n, b) => n + b.length, 0);
    const head = Buffer.allocUnsafe(PlanConst.BP_RECORD_HEADER);
    head.writeUInt16LE(tag, 0);
    head.writeUInt16LE(0, 2);
    head.writeUInt32LE(len, 4);
    this.chunks.push(head, ...payload);
    this.size += head.length + len;
    return this;
  }

  get length(): number {
    return this.size;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** A payload part: a string (NUL-terminated), raw bytes, or a fixed-width integer. */
export type RecordPart = string | Buffer | { u16: number } | { u32: number } | { u64: bigint | number };

function encodePart(p: RecordPart): Buffer {
  if (typeof p === 'string') return Buffer.from(p + '\0', 'utf8');
  if (Buffer.isBuffer(p)) return p;
  if ('u16' in p) {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16LE(p.u16);
    return b;
  }
  if ('u32' in p) {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(p.u32 >>> 0);
    return b;
  }
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(p.u64)));
  return b;
}

/** A framed channel message: u32 kind | u32 length | payload. */
export function encodeMessage(kind: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.allocUnsafe(PlanConst.BP_MESSAGE_HEADER);
  head.writeUInt32LE(kind, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** Splits a byte stream into framed messages, keeping an incomplete tail for the next chunk. */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { kind: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { kind: number; payload: Buffer }[] = [];
    let off = 0;
    while (this.buf.length - off >= PlanConst.BP_MESSAGE_HEADER) {
      const kind = this.buf.readUInt32LE(off);
      const len = this.buf.readUInt32LE(off + 4);
      if (this.buf.length - off - PlanConst.BP_MESSAGE_HEADER < len) break;
      const start = off + PlanConst.BP_MESSAGE_HEADER;
      out.push({ kind, payload: this.buf.subarray(start, start + len) });
      off = start + len;
    }
    this.buf = this.buf.subarray(off);
    return out;
  }
}
