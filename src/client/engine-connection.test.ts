import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiError, DaemonUnreachable } from './api-error.js';
import { EngineConnection, readText } from './engine-connection.js';
import { HttpTransport } from './http-transport.js';

// A scripted peer: real sockets, so the client's HTTP and hijack handling run for real; the
// peer only exists to produce replies (101 with early bytes, 200-and-hijack, HEAD refusal) that
// a given daemon version may or may not send.
const dir = mkdtempSync(join(tmpdir(), 'berth-conn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Handler = (request: string, socket: net.Socket) => void;

async function peer(handler: Handler): Promise<{ path: string; requests: string[]; close: () => void }> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.sock`);
  const requests: string[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      while (true) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.slice(end + 4 + length);
        requests.push(head.split('\r\n')[0]!);
        if (/upgrade: tcp/i.test(head)) socket.off('data', onData);
        handler(head, socket);
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, requests, close: () => server.close() };
}

function reply(socket: net.Socket, status: string, headers: Record<string, string>, body = ''): void {
  const lines = Object.entries({ 'Content-Length': String(Buffer.byteLength(body)), ...headers }).map(([k, v]) => `${k}: ${v}`);
  socket.write(`HTTP/1.1 ${status}\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
}

function connect(path: string, apiVersion?: string): EngineConnection {
  return new EngineConnection(new HttpTransport({ kind: 'unix', url: `unix://${path}`, socketPath: path }), { apiVersion });
}

test('EngineConnection falls back to GET /_ping and prefixes paths with the negotiated version', async () => {
  const p = await peer((head, socket) => {
    if (head.startsWith('HEAD')) return reply(socket, '405 Method Not Allowed', {});
    if (head.startsWith('GET /_ping')) return reply(socket, '200 OK', { 'Api-Version': '1.43' }, 'OK');
    reply(socket, '200 OK', { 'Content-Type': 'application/json' }, '[]');
  });
  const conn = connect(p.path);
  assert.deepEqual(await conn.callJson('GET', '/containers/json', { query: { all: true } }), []);
  assert.deepEqual(p.requests, ['HEAD /_ping HTTP/1.1', 'GET /_ping HTTP/1.1', 'GET /v1.43/containers/json?all=1 HTTP/1.1']);
  conn.close();
  p.close();
});

test('EngineConnection turns an error reply into ApiError with the daemon message', async () => {
  const p = await peer((_head, socket) => reply(socket, '404 Not Found', { 'Content-Type': 'application/json' }, '{"message":"No such container: x"}'));
  const conn = connect(p.path, '1.45');
  await assert.rejects(conn.callJson('GET', '/containers/x/json'), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 404);
    assert.equal(err.message, 'Error response from daemon: No such container: x');
    return true;
  });
  conn.close();
  p.close();
});

test('EngineConnection hijacks on 101, keeps bytes sent with the headers, and half-closes', async () => {
  const p = await peer((_head, socket) => {
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly;');
    let input = '';
    socket.on('data', (c) => (input += c.toString()));
    socket.on('end', () => socket.end(`echo:${input}`));
  });
  const conn = connect(p.path, '1.45');
  const hijacked = await conn.hijack('POST', '/containers/x/attach', { query: { stream: true, stdin: true } });
  assert.equal(hijacked.contentType, 'application/vnd.docker.raw-stream');
  hijacked.write('typed');
  hijacked.closeWrite();
  assert.equal(await readText(hijacked.output), 'early;echo:typed');
  conn.close();
  p.close();
});

test('EngineConnection accepts a daemon that answers 200 and hijacks anyway', async () => {
  const p = await peer((_head, socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nfrom-200;');
    socket.on('data', (c) => socket.end(`got:${c.toString()}`));
  });
  const conn = connect(p.path, '1.45');
  const hijacked = await conn.hijack('POST', '/exec/e/start', { json: { Detach: false, Tty: true } });
  hijacked.write('in');
  assert.equal(await readText(hijacked.output), 'from-200;got:in');
  conn.close();
  p.close();
});

test('EngineConnection reports a missing socket as docker does', async () => {
  const conn = connect(join(dir, 'absent.sock'));
  await assert.rejects(conn.ping(), (err: unknown) => {
    assert.ok(err instanceof DaemonUnreachable);
    assert.equal(err.message, `Cannot connect to the Docker daemon at unix://${join(dir, 'absent.sock')}. Is the docker daemon running?`);
    return true;
  });
  conn.close();
});
