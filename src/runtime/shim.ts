import { spawn, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { PlanConst, ShimMsg, ShimRec } from './plan-codes.js';
import { encodeMessage, MessageReader, RecordWriter } from './record-writer.js';
import { decodeFailure, type SpawnFailure } from './spawn-failure.js';

/** A client stream handed to the shim: it writes output there and reads input from it. */
export interface AttachStream {
  socket: Socket;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** 8-byte multiplexed framing (no TTY). */
  multiplexed: boolean;
  /** Bytes that detach the client (Docker's default: Ctrl-P Ctrl-Q); empty: none. */
  detachKeys: Buffer;
}

/** How the shim creates the process: natively from a plan, or through an OCI runtime's commands. */
export type ShimLaunch =
  | { kind: 'plan'; plan: Buffer }
  | { kind: 'command'; create: string[]; start?: string[]; pidFile?: string; consoleSocket?: string; waits?: boolean };

export interface ShimConfig {
  id: string;
  /** Where the shim listens for later controllers and attaches (containers; not execs). */
  socketPath?: string;
  logPath?: string;
  /** maxSize 0: no rotation. */
  logRotation?: { maxSize: number; maxFiles: number; compress: boolean };
  exitPath?: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  winsize?: { rows: number; cols: number };
  attach: AttachStream[];
  /** Directories the shim removes after the exit (the container's cgroups). */
  cleanupDirs: string[];
  oomFile?: string;
  launch: ShimLaunch;
  /** Where the shim's own diagnostics go (never the daemon's stderr: the shim outlives it). */
  diagnosticsPath?: string;
}

/** How a process ended, as the shim recorded it. */
export interface ShimExit {
  /** The raw wait status. */
  status: number;
  pid: number;
  finishedAt: Date;
  /** The content of the OOM file at the exit. */
  oom: string;
}

/** Exit code the way Docker reports it: the code, or 128 + the signal. */
export function exitCodeOf(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}

export class ShimStartError extends Error {
  constructor(readonly failure: SpawnFailure) {
    super('the shim could not start the process');
  }
}

function attachFlags(a: AttachStream): number {
  return (a.stdin ? PlanConst.BS_ATTACH_STDIN : 0) | (a.stdout ? PlanConst.BS_ATTACH_STDOUT : 0) |
    (a.stderr ? PlanConst.BS_ATTACH_STDERR : 0) | (a.multiplexed ? PlanConst.BS_ATTACH_MUX : 0);
}

function encodeConfig(c: ShimConfig, firstAttachFd: number): Buffer {
  const w = new RecordWriter();
  w.record(ShimRec.BS_ID, c.id);
  if (c.socketPath) w.record(ShimRec.BS_SOCKET, c.socketPath);
  if (c.logPath) w.record(ShimRec.BS_LOG_PATH, c.logPath);
  const r = c.logRotation;
  if (r && r.maxSize > 0) w.record(ShimRec.BS_LOG_ROTATE, { u64: r.maxSize }, { u32: r.maxFiles }, { u32: r.compress ? 1 : 0 });
  if (c.exitPath) w.record(ShimRec.BS_EXIT_PATH, c.exitPath);
  if (c.tty) w.record(ShimRec.BS_TTY);
  if (c.stdin) w.record(ShimRec.BS_STDIN);
  if (c.stdinOnce) w.record(ShimRec.BS_STDIN_ONCE);
  if (c.winsize) w.record(ShimRec.BS_WINSIZE, { u16: c.winsize.rows }, { u16: c.winsize.cols });
  if (c.oomFile) w.record(ShimRec.BS_OOM_FILE, c.oomFile);
  for (const d of c.cleanupDirs) w.record(ShimRec.BS_CLEANUP_RMDIR, d);
  c.attach.forEach((a, i) => w.record(ShimRec.BS_ATTACH, { u32: firstAttachFd + i }, { u32: attachFlags(a) }, a.detachKeys));
  const l = c.launch;
  if (l.kind === 'plan') {
    w.record(ShimRec.BS_PLAN, l.plan);
  } else {
    for (const a of l.create) w.record(ShimRec.BS_CMD_ARG, a);
    for (const a of l.start ?? []) w.record(ShimRec.BS_START_ARG, a);
    if (l.pidFile) w.record(ShimRec.BS_PID_FILE, l.pidFile);
    if (l.consoleSocket) w.record(ShimRec.BS_CONSOLE_SOCKET, l.consoleSocket);
    if (l.waits) w.record(ShimRec.BS_CMD_WAITS);
  }
  return encodeMessage(ShimMsg.BM_CONFIG, w.toBuffer());
}

function decodeExit(p: Buffer): ShimExit {
  const ns = p.readBigUInt64LE(8);
  return {
    status: p.readInt32LE(0),
    pid: p.readInt32LE(4),
    finishedAt: new Date(Number(ns / 1_000_000n)),
    oom: p.subarray(16).toString('utf8'),
  };
}

/** Parses the exit file the shim writes: "status finished_ns pid\n" then the OOM file content. */
export function parseExitFile(text: string): ShimExit | undefined {
  const nl = text.indexOf('\n');
  const m = /^(-?\d+) (\d+) (-?\d+)$/.exec(nl < 0 ? text : text.slice(0, nl));
  if (!m) return undefined;
  return {
    status: Number(m[1]),
    pid: Number(m[3]),
    finishedAt: new Date(Number(BigInt(m[2]!) / 1_000_000n)),
    oom: nl < 0 ? '' : text.slice(nl + 1),
  };
}

export async function readExitFile(path: string): Promise<ShimExit | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseExitFile(text);
}

/**
 * The daemon's handle on one shim process. Lifecycle: `Shim.spawn` (a new process, resolved once
 * it runs) or `Shim.connect` (after a daemon restart); then commands; 'exit' is emitted exactly
 * once, with the exit the shim reported, or from the exit file when the channel broke first.
 */
export class Shim extends EventEmitter {
  /** Set once the process has ended. */
  exit: ShimExit | undefined;
  private reader = new MessageReader();
  private acks: (() => void)[] = [];
  private exitPromise: Promise<ShimExit>;
  private resolveExit!: (e: ShimExit) => void;

  private constructor(readonly pid: number, private channel: Socket, private exitPath: string | undefined) {
    super();
    this.exitPromise = new Promise((r) => (this.resolveExit = r));
  }

  /** Starts a shim and its process; resolves once the process runs (or rejects with ShimStartError). */
  static spawn(binary: string, config: ShimConfig): Promise<Shim> {
    const diag = config.diagnosticsPath ? openSync(config.diagnosticsPath, 'a', 0o600) : 'ignore';
    const stdio: StdioOptions = ['ignore', 'ignore', diag, 'pipe', ...config.attach.map((a) => a.socket)];
    let child;
    try {
      child = spawn(binary, [], { stdio, detached: true });
    } finally {
      if (typeof diag === 'number') closeSync(diag);
    }
    // The shim outlives the daemon: nothing here may keep it tied to the daemon's life.
    child.unref();
    child.on('error', () => {});
    const channel = child.stdio[3] as Socket;
    channel.write(encodeConfig(config, 4));
    return new Promise((resolve, reject) => {
      const reader = new MessageReader();
      let shim: Shim | undefined;
      const onData = (chunk: Buffer) => {
        for (const m of reader.push(chunk)) {
          if (shim) {
            shim.onMessage(m.kind, m.payload); // e.g. an exit in the same read as the start
          } else if (m.kind === ShimMsg.BM_STARTED) {
            shim = new Shim(m.payload.readInt32LE(0), channel, config.exitPath);
          } else if (m.kind === ShimMsg.BM_START_FAILED) {
            channel.off('close', onClose);
            channel.off('data', onData);
            channel.destroy();
            reject(new ShimStartError(decodeFailure(m.payload)));
            return;
          }
        }
        if (shim) {
          channel.off('data', onData);
          channel.off('close', onClose);
          // The shim holds the client streams now; the daemon's copies must not keep them open.
          // (On a failed start they stay with the caller, who may still write the error there.)
          for (const a of config.attach) a.socket.destroy();
          shim.listen(reader);
          resolve(shim);
        }
      };
      const onClose = () => reject(new Error(`the shim for "${config.id}" exited before starting the process`));
      channel.on('data', onData);
      channel.once('close', onClose);
      channel.on('error', () => {});
    });
  }

  /** Reconnects to the shim of a container that kept running while the daemon was away. */
  static connect(socketPath: string, exitPath: string | undefined): Promise<Shim> {
    return new Promise((resolve, reject) => {
      const sock = connect(socketPath);
      const reader = new MessageReader();
      sock.once('error', reject);
      sock.once('connect', () => sock.write(encodeMessage(ShimMsg.BM_HELLO)));
      const onData = (chunk: Buffer) => {
        for (const m of reader.push(chunk)) {
          if (m.kind !== ShimMsg.BM_STATE) continue;
          sock.off('data', onData);
          sock.off('error', reject);
          const p = m.payload;
          const shim = new Shim(p.readInt32LE(0), sock, exitPath);
          if (p.readUInt32LE(4) === 0) {
            shim.finish({ status: p.readInt32LE(8), pid: shim.pid, finishedAt: new Date(Number(p.readBigUInt64LE(12) / 1_000_000n)), oom: '' });
          }
          shim.listen(reader);
          resolve(shim);
          return;
        }
      };
      sock.on('data', onData);
    });
  }

  private listen(reader: MessageReader): void {
    this.reader = reader;
    this.channel.on('data', (chunk: Buffer) => {
      for (const m of this.reader.push(chunk)) this.onMessage(m.kind, m.payload);
    });
    this.channel.on('error', () => {});
    this.channel.on('close', () => void this.onChannelClosed());
    // An idle channel must not keep the daemon's event loop alive on shutdown.
    this.channel.unref();
  }

  onMessage(kind: number, payload: Buffer): void {
    if (kind === ShimMsg.BM_EXIT) {
      this.finish(decodeExit(payload));
      // After the exit's handlers (microtasks queued when it resolved): the exit is recorded, the
      // shim may end its clients' streams.
      queueMicrotask(() => this.send(ShimMsg.BM_EXIT_ACK));
    }
    else if (kind === ShimMsg.BM_ACK) this.acks.shift()?.();
  }

  private async onChannelClosed(): Promise<void> {
    if (this.exit) return;
    // The shim is gone without a word: what it left on disk is the truth, else the exit is unknown.
    const recorded = this.exitPath ? await readExitFile(this.exitPath) : undefined;
    this.finish(recorded ?? { status: 255 << 8, pid: this.pid, finishedAt: new Date(), oom: '' });
  }

  private finish(e: ShimExit): void {
    if (this.exit) return;
    this.exit = e;
    this.resolveExit(e);
    this.emit('exit', e);
  }

  /** Resolves with the exit once the process has ended. */
  exited(): Promise<ShimExit> {
    return this.exitPromise;
  }

  private send(kind: number, payload?: Buffer): void {
    if (!this.channel.destroyed) this.channel.write(encodeMessage(kind, payload));
  }

  kill(signal: number): void {
    const p = Buffer.alloc(4);
    p.writeUInt32LE(signal);
    this.send(ShimMsg.BM_KILL, p);
  }

  resize(rows: number, cols: number): void {
    const p = Buffer.alloc(4);
    p.writeUInt16LE(rows, 0);
    p.writeUInt16LE(cols, 2);
    this.send(ShimMsg.BM_RESIZE, p);
  }

  closeStdin(): void {
    this.send(ShimMsg.BM_CLOSE_STDIN);
  }

  /** Stops listening; the shim and its process go on. */
  close(): void {
    this.channel.destroy();
  }
}

/**
 * Hands a client stream to a running shim. The daemon cannot pass descriptors over a socket
 * itself, so `berth-shim attach` does it and exits once the shim has taken the stream.
 */
export function handOff(binary: string, socketPath: string, a: AttachStream): Promise<void> {
  const args = ['attach', socketPath, String(attachFlags(a))];
  if (a.detachKeys.length) args.push(a.detachKeys.toString('hex'));
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe', a.socket] });
  a.socket.destroy();
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(err.trim() || `berth-shim attach exited with ${code}`))));
  });
}
