import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { StreamId } from '../../api/types/index.js';
import { type HijackedConnection, StreamDemuxer, StreamSystemError } from '../../client/index.js';
import { errnoCode } from '../../common/errors.js';
import { DetachKeyDetector, parseDetachKeys, DEFAULT_DETACH_KEYS } from './detach-key-detector.js';

export interface StreamSessionOptions {
  connection: HijackedConnection;
  /** The container/exec has a TTY: the stream is raw, not multiplexed. */
  tty: boolean;
  /** Our stdin when it is attached; left untouched otherwise. */
  stdin?: NodeJS.ReadStream | undefined;
  stdout: Writable;
  stderr: Writable;
  /** Watched for in TTY mode, as the docker CLI does (the daemon watches too). */
  detachKeys?: string | undefined;
}

export interface StreamSessionResult {
  /** The user typed the detach sequence. */
  detached: boolean;
}

/**
 * Copies a hijacked connection to our stdio until the daemon closes it, like docker's
 * hijackedIOStreamer: raw TTY mode on a terminal stdin, stdin forwarded and half-closed at its
 * end, output demultiplexed without a TTY. Resolves when the output ends or on detach.
 */
export async function runStreamSession(options: StreamSessionOptions): Promise<StreamSessionResult> {
  const { connection, tty, stdin } = options;
  const restoreTerminal = tty && stdin?.isTTY ? enterRawMode(stdin) : () => {};
  let stopInput = () => {};
  try {
    const detach = new Promise<boolean>((resolve) => {
      if (!stdin) {
        // nothing to send: half-close at once, as the docker CLI does
        connection.closeWrite();
        return;
      }
      stopInput = forwardInput(stdin, connection, tty ? new DetachKeyDetector(parseDetachKeys(options.detachKeys || DEFAULT_DETACH_KEYS)) : undefined, () => resolve(true));
    });
    const output = copyOutput(connection.output, { tty, stdout: options.stdout, stderr: options.stderr }).then(() => false);
    const detached = await Promise.race([output, detach]);
    if (detached) connection.destroy();
    return { detached };
  } finally {
    stopInput();
    restoreTerminal();
  }
}

/**
 * Raw mode as Go's term.MakeRaw sets it. libuv's raw mode keeps output post-processing (ONLCR),
 * which would turn the container's `\r\n` into `\r\r\n`, so we also clear OPOST with stty;
 * leaving raw mode restores libuv's saved settings, OPOST included.
 */
function enterRawMode(stdin: NodeJS.ReadStream): () => void {
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  spawnSync('stty', ['-opost'], { stdio: [(stdin as unknown as { fd: number }).fd, 'ignore', 'ignore'] });
  return () => {
    if (!wasRaw) stdin.setRawMode(false);
  };
}

function forwardInput(stdin: Readable, connection: HijackedConnection, detector: DetachKeyDetector | undefined, onDetach: () => void): () => void {
  const onData = (chunk: Buffer) => {
    let data = chunk;
    if (detector) {
      const r = detector.push(chunk);
      data = r.forward;
      if (r.detached) {
        cleanup();
        if (data.length > 0) connection.write(data);
        onDetach();
        return;
      }
    }
    if (data.length > 0 && !connection.write(data)) {
      stdin.pause();
      void connection.drain().then(() => stdin.resume());
    }
  };
  const onEnd = () => {
    cleanup();
    connection.closeWrite();
  };
  const cleanup = () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.off('error', onEnd);
    stdin.pause();
  };
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.on('error', onEnd);
  stdin.resume();
  return cleanup;
}

/** Output to our stdout/stderr; resolves at the end of the stream. */
export async function copyOutput(output: Readable, options: { tty: boolean; stdout: Writable; stderr: Writable }): Promise<void> {
  const { tty, stdout, stderr } = options;
  const demuxer = tty ? undefined : new StreamDemuxer();
  try {
    for await (const chunk of output) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (!demuxer) {
        await write(stdout, buf);
        continue;
      }
      for (const frame of demuxer.push(buf)) {
        if (frame.stream === StreamId.systemerr) throw new StreamSystemError(frame.payload.toString());
        await write(frame.stream === StreamId.stderr ? stderr : stdout, frame.payload);
      }
    }
  } catch (err) {
    // The daemon closing the socket at the exit is the normal end of a stream, also when it
    // shows as our input's write failing (EPIPE: keys typed, or a terminal's reply, just then).
    if (!['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'EPIPE'].includes(errnoCode(err) ?? '')) throw err;
  }
}

async function write(target: Writable, data: Buffer): Promise<void> {
  try {
    if (data.length > 0 && !target.write(data)) await once(target, 'drain');
  } catch (err) {
    // what the docker CLI reports when its reader went away (`| head`)
    if (errnoCode(err) === 'EPIPE') throw new Error('write /dev/stdout: broken pipe');
    throw err;
  }
}
