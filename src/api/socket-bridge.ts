import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haltReading } from './halt-reading.js';

let privateDir: string | undefined;

/** A directory of our own, when the daemon named none (tests of the API alone). */
function defaultDir(): string {
  if (!privateDir) {
    privateDir = mkdtempSync(join(tmpdir(), 'berth-bridge-'));
    const dir = privateDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return privateDir;
}

/**
 * Two connected UNIX sockets. Node has no socketpair(2), so a listener that lives for one
 * connection makes them; it listens in a directory only root can enter, so the connection it
 * accepts is ours. The accepted end never starts reading: it can be handed to another process.
 */
export async function socketPair(dir?: string): Promise<{ inner: Socket; relay: Socket }> {
  const path = join(dir ?? defaultDir(), `br-${randomBytes(8).toString('hex')}.sock`);
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, () => resolve()));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const relay = connect({ path, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => relay.once('error', reject).once('connect', () => resolve()));
    const inner = await accepted;
    return { inner, relay };
  } finally {
    server.close();
    rmSync(path, { force: true });
  }
}

/** How long a finished stream waits for its client to close before berthd closes it. */
const LINGER_MS = 5000;

/**
 * Relays a hijacked TLS connection through a socket pair and returns the plain end, which a
 * handler may write to or hand to a shim like any hijacked socket. `head` (the 101 answer) goes
 * out first. Each direction ends on its own, so a client that closes its input (docker's
 * CloseWrite after stdin) still gets the output; pipe() carries backpressure both ways, so a
 * client that stops reading holds the container's output at the shim instead of in berthd.
 */
export async function bridgeSocket(outer: Socket, o: { dir?: string | undefined; head: string }): Promise<Socket> {
  const { inner, relay } = await socketPair(o.dir);
  haltReading(inner);
  outer.allowHalfOpen = true;
  outer.on('error', () => {});
  relay.on('error', () => {});
  await new Promise<void>((resolve, reject) => outer.write(o.head, (err) => (err ? reject(err) : resolve())));
  relay.pipe(outer);
  outer.pipe(relay);
  relay.once('end', () => {
    // The stream is over: what the client still sends has no reader, and must not reset the
    // connection before it has read the output, so it is read and dropped until the client closes.
    outer.unpipe(relay);
    outer.resume();
    outer.once('finish', () => setTimeout(() => outer.destroy(), LINGER_MS).unref());
  });
  relay.once('close', () => {
    if (!relay.readableEnded) outer.destroy();
  });
  outer.once('close', () => relay.destroy());
  return inner;
}
