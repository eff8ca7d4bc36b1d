/**
 * Writes the small files of a layer from worker threads: the unpacker hands over a file (path,
 * bytes, owner, mode, mtime) and gets a promise; files gathered within one turn of the event loop
 * travel to a worker as one batch, their bytes packed in one transferred buffer. Many-file layers
 * spent most of their time in the event loop's per-call overhead (open, write, futimes and close
 * each a thread-pool round trip); the worker pays the syscalls alone, while the unpacker goes on
 * parsing the tar on the main thread.
 *
 * Two workers at most, shared by all unpacks, started on first use and stopped when idle. The
 * caller orders writes to one path (it awaits the earlier one) and makes parent directories first.
 */
import { Worker } from 'node:worker_threads';
import { messageOf } from '../common/errors.js';

export interface SmallFile {
  path: string;
  data: Uint8Array;
  /** The mode to create with (the umask applies). */
  createMode: number;
  chown?: [number, number];
  /** A mode to set after creation (set-id bits, or bits the umask took). */
  chmod?: number;
  mtime?: Date;
}

export interface SmallFileBatch {
  files: { id: number; path: string; offset: number; size: number; createMode: number; chown?: [number, number]; chmod?: number; mtimeMs?: number }[];
  data: ArrayBuffer;
}

export interface SmallFileResult {
  id: number;
  error?: { message: string; code?: string };
}

const maxWorkers = 2;
const batchFiles = 256;
const batchBytes = 4 << 20;
const idleMs = 10_000;

interface Pending {
  file: SmallFile;
  resolve: () => void;
  reject: (err: Error) => void;
}

class WorkerSlot {
  readonly waiting = new Map<number, Pending>();
  constructor(readonly worker: Worker) {}
}

export class SmallFileWriter {
  private readonly slots: WorkerSlot[] = [];
  private queue: (Pending & { id: number })[] = [];
  private queuedBytes = 0;
  private nextId = 1;
  private turn = 0;
  private scheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;

  write(file: SmallFile): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, file, resolve, reject });
      this.queuedBytes += file.data.length;
      if (this.queue.length >= batchFiles || this.queuedBytes >= batchBytes) this.send();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.send();
        });
      }
    });
  }

  private send(): void {
    if (this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    const data = new Uint8Array(items.reduce((n, p) => n + p.file.data.length, 0));
    const files: SmallFileBatch['files'] = [];
    let offset = 0;
    for (const p of items) {
      const f = p.file;
      data.set(f.data, offset);
      files.push({
        id: p.id, path: f.path, offset, size: f.data.length, createMode: f.createMode,
        ...(f.chown ? { chown: f.chown } : {}),
        ...(f.chmod !== undefined ? { chmod: f.chmod } : {}),
        ...(f.mtime ? { mtimeMs: f.mtime.getTime() } : {}),
      });
      offset += f.data.length;
    }
    const slot = this.slot();
    for (const p of items) slot.waiting.set(p.id, p);
    slot.worker.ref();
    const batch: SmallFileBatch = { files, data: data.buffer };
    slot.worker.postMessage(batch, [data.buffer]);
  }

  /** The workers take batches in turn; a new one starts while there are fewer than maxWorkers. */
  private slot(): WorkerSlot {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.slots.length < maxWorkers) {
      const worker = new Worker(new URL('./small-file-worker.js', import.meta.url));
      const slot = new WorkerSlot(worker);
      worker.on('message', (results: SmallFileResult[]) => this.settle(slot, results));
      const fail = (err: Error) => {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        for (const p of slot.waiting.values()) p.reject(err);
        slot.waiting.clear();
      };
      worker.on('error', (err) => fail(new Error(`small-file writer: ${messageOf(err)}`)));
      worker.on('exit', (code) => fail(new Error(`small-file writer exited with status ${code}`)));
      this.slots.push(slot);
      return slot;
    }
    return this.slots[this.turn++ % this.slots.length]!;
  }

  private settle(slot: WorkerSlot, results: SmallFileResult[]): void {
    for (const r of results) {
      const p = slot.waiting.get(r.id);
      if (!p) continue;
      slot.waiting.delete(r.id);
      if (!r.error) p.resolve();
      else p.reject(Object.assign(new Error(r.error.message), r.error.code ? { code: r.error.code } : {}));
    }
    if (slot.waiting.size === 0) slot.worker.unref();
    if (this.slots.every((s) => s.waiting.size === 0)) {
      this.idleTimer = setTimeout(() => this.stopIdle(), idleMs);
      this.idleTimer.unref();
    }
  }

  private stopIdle(): void {
    this.idleTimer = undefined;
    for (const slot of this.slots.splice(0)) {
      slot.worker.removeAllListeners('exit');
      void slot.worker.terminate();
    }
  }
}

/** The daemon's writer: one pair of workers however many layers unpack at once. */
export const smallFileWriter = new SmallFileWriter();
