import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { TestDaemon } from '../../kit/test-daemon.js';
import { rawConnect, rawExchange } from './raw-client.js';

/** One bad request and what berthd must answer: a status and fragments of `{"message": …}`. */
interface Row {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  message?: RegExp;
}

const create = (body: unknown, query = ''): Pick<Row, 'method' | 'path' | 'body'> => ({ method: 'POST', path: `/v1.45/containers/create${query}`, body });
const withHost = (h: Record<string, unknown>) => create({ Image: 'busybox', Cmd: ['true'], HostConfig: h });
const q = (v: unknown) => encodeURIComponent(JSON.stringify(v));

/** Filled in by `before`: a running container the rows can aim at. */
const T = 'hostile-target';

const rows: Row[] = [
  // Malformed JSON and wrong types.
  { what: 'malformed JSON', ...create('{"Image": "busybox",'), status: 400, message: /invalid JSON in the request body/ },
  { what: 'trailing garbage after the JSON', ...create('{"Image": "busybox"} x'), status: 400, message: /invalid JSON/ },
  { what: 'a JSON array for a body', ...create([]), status: 400, message: /want an object, got array/ },
  { what: 'a JSON string for a body', ...create('"busybox"'), status: 400, message: /want an object, got string/ },
  { what: 'null body', ...create('null'), status: 400, message: /config cannot be empty/ },
  { what: 'deeply nested JSON', ...create(`{"Image":"busybox","Labels":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), status: 400, message: /invalid Labels: want an object, got an array/ },
  { what: 'Cmd a number', ...create({ Image: 'busybox', Cmd: 5 }), status: 400, message: /invalid Cmd: want a string or an array, got number 5/ },
  { what: 'Cmd with a number inside', ...create({ Image: 'busybox', Cmd: ['echo', 5] }), status: 400, message: /invalid Cmd/ },
  { what: 'HostConfig a string', ...create({ Image: 'busybox', HostConfig: 'x' }), status: 400, message: /invalid HostConfig: want an object, got string "x"/ },
  { what: 'Env an object', ...create({ Image: 'busybox', Env: {} }), status: 400, message: /invalid Env: want an array, got an object/ },
  { what: 'a label value a number', ...create({ Image: 'busybox', Labels: { a: 5 } }), status: 400, message: /invalid Labels\["a"\]: want a string/ },
  { what: 'Image a number', ...create({ Image: 5 }), status: 400, message: /invalid Image: want a string/ },
  { what: 'Memory a string', ...withHost({ Memory: '1g' }), status: 400, message: /invalid HostConfig.Memory: want an integer, got string "1g"/ },
  { what: 'Memory a fraction', ...withHost({ Memory: 1.5 }), status: 400, message: /want an integer, got number 1.5/ },
  { what: 'Memory beyond int64', ...withHost({ Memory: 1e30 }), status: 400, message: /want an integer/ },
  { what: 'Ulimits a number', ...withHost({ Ulimits: 5 }), status: 400, message: /invalid HostConfig.Ulimits: want an array/ },
  { what: 'a port binding a number', ...withHost({ PortBindings: { '80/tcp': 5 } }), status: 400, message: /invalid HostConfig.PortBindings\["80\/tcp"\]: want an array/ },
  { what: 'RestartPolicy a string', ...withHost({ RestartPolicy: 'always' }), status: 400, message: /invalid HostConfig.RestartPolicy: want an object/ },
  { what: 'Healthcheck a number', ...create({ Image: 'busybox', Healthcheck: 5 }), status: 400, message: /invalid Healthcheck: want an object/ },
  // Invalid HostConfig values, with moby's messages.
  { what: 'negative memory', ...withHost({ Memory: -1 }), status: 400, message: /Minimum memory limit allowed is 6MB/ },
  { what: 'memory under 6MB', ...withHost({ Memory: 1024 }), status: 400, message: /Minimum memory limit allowed is 6MB/ },
  { what: 'swap under memory', ...withHost({ Memory: 64 << 20, MemorySwap: 32 << 20 }), status: 400, message: /Minimum memoryswap limit should be larger than memory limit/ },
  { what: 'swap without memory', ...withHost({ MemorySwap: 64 << 20 }), status: 400, message: /You should always set the Memory limit when using Memoryswap limit/ },
  { what: 'swappiness 101', ...withHost({ MemorySwappiness: 101 }), status: 400, message: /valid memory swappiness range is 0-100/ },
  { what: 'NanoCpus and CpuQuota both', ...withHost({ NanoCpus: 500_000_000, CpuQuota: 50_000 }), status: 400, message: /Conflicting options: Nano CPUs and CPU Quota cannot both be set/ },
  { what: 'NanoCpus and CpuPeriod both', ...withHost({ NanoCpus: 500_000_000, CpuPeriod: 100_000 }), status: 400, message: /Nano CPUs and CPU Period cannot both be set/ },
  { what: 'negative NanoCpus', ...withHost({ NanoCpus: -1 }), status: 400, message: /Range of CPUs is from 0.01 to/ },
  { what: 'a thousand CPUs', ...withHost({ NanoCpus: 1000e9 }), status: 400, message: /Range of CPUs is from 0.01 to/ },
  { what: 'CpuPeriod under 1ms', ...withHost({ CpuPeriod: 5 }), status: 400, message: /CPU cfs period can not be less than 1ms/ },
  { what: 'CpuQuota under 1ms', ...withHost({ CpuQuota: 5 }), status: 400, message: /CPU cfs quota can not be less than 1ms/ },
  { what: 'cpuset garbage', ...withHost({ CpusetCpus: '0-x' }), status: 400, message: /Invalid value 0-x for cpuset cpus/ },
  { what: 'cpuset beyond the host', ...withHost({ CpusetCpus: '0-4095' }), status: 400, message: /Requested CPUs are not available/ },
  { what: 'blkio weight 5000', ...withHost({ BlkioWeight: 5000 }), status: 400, message: /Range of blkio weight is from 10 to 1000/ },
  { what: 'oom score adj 5000', ...withHost({ OomScoreAdj: 5000 }), status: 400, message: /range for oom score adj is \[-1000, 1000\]/ },
  { what: 'negative shm size', ...withHost({ ShmSize: -1 }), status: 400, message: /SHM size can not be less than 0/ },
  { what: 'an unknown restart policy', ...withHost({ RestartPolicy: { Name: 'sometimes' } }), status: 400, message: /invalid restart policy: unknown policy 'sometimes'/ },
  { what: 'retries with always', ...withHost({ RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } }), status: 400, message: /maximum retry count can only be used with 'on-failure'/ },
  { what: 'negative retries', ...withHost({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } }), status: 400, message: /maximum retry count cannot be negative/ },
  { what: 'auto-remove with a restart policy', ...withHost({ AutoRemove: true, RestartPolicy: { Name: 'always' } }), status: 400, message: /can't create 'AutoRemove' container with restart policy/ },
  { what: 'an absurd console size', ...withHost({ ConsoleSize: [1e9, -5] }), status: 400, message: /invalid ConsoleSize/ },
  { what: 'an unknown ulimit', ...withHost({ Ulimits: [{ Name: 'wings', Soft: 1, Hard: 1 }] }), status: 400, message: /invalid ulimit type: wings/ },
  { what: 'a soft ulimit over the hard one', ...withHost({ Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 10 }] }), status: 400, message: /ulimit soft limit must be less than or equal to hard limit: 100 > 10/ },
  { what: 'a bad PID mode', ...withHost({ PidMode: 'neighbour' }), status: 400, message: /invalid PID mode: neighbour/ },
  { what: 'an unknown runtime', ...withHost({ Runtime: 'nope' }), status: 400, message: /unknown or invalid runtime name: nope/ },
  { what: 'a bad stop signal', ...create({ Image: 'busybox', StopSignal: 'SIGFOO' }), status: 400, message: /Invalid signal: SIGFOO/ },
  { what: 'an empty environment variable', ...create({ Image: 'busybox', Env: ['=x'] }), status: 400, message: /invalid environment variable: =x/ },
  { what: 'a relative working directory', ...create({ Image: 'busybox', WorkingDir: 'tmp' }), status: 400, message: /the working directory 'tmp' is invalid, it needs to be an absolute path/ },
  { what: 'a hostname with a newline', ...create({ Image: 'busybox', Hostname: 'a\n127.0.0.1 evil' }), status: 400, message: /invalid hostname/ },
  { what: 'a hostname too long', ...create({ Image: 'busybox', Hostname: 'h'.repeat(100) }), status: 400, message: /invalid hostname/ },
  { what: 'a healthcheck interval of 5ns', ...create({ Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'], Interval: 5 } }), status: 400, message: /Interval in Healthcheck cannot be less than 1ms/ },
  { what: 'a missing image', ...create({ Image: 'no-such-image-here' }), status: 404, message: /No such image: no-such-image-here:latest/ },
  { what: 'an image name with a path in it', ...create({ Image: '../../etc/passwd' }), status: 400, message: /invalid reference format/ },
  // Bad names and ids.
  { what: 'a name with path traversal', ...create({ Image: 'busybox', Cmd: ['true'] }, '?name=..%2F..%2Fetc'), status: 400, message: /Invalid container name \(\.\.\/\.\.\/etc\)/ },
  { what: 'a name with a control character', ...create({ Image: 'busybox', Cmd: ['true'] }, '?name=a%00b'), status: 400, message: /Invalid container name/ },
  { what: 'an id with path traversal', method: 'GET', path: '/containers/..%2F..%2Fetc%2Fpasswd/json', status: 404, message: /No such container: \.\.\/\.\.\/etc\/passwd/ },
  { what: 'a malformed escape in an id', method: 'GET', path: '/containers/%E0%A4%A/json', status: 400, message: /invalid escape in the request path/ },
  { what: 'control characters in an id', method: 'DELETE', path: '/containers/%01%02%7F', status: 404, message: /No such container/ },
  { what: 'a very long id', method: 'GET', path: `/containers/${'a'.repeat(8000)}/json`, status: 404, message: /No such container: a{100}/ },
  { what: 'a very long hex id prefix', method: 'POST', path: `/containers/${'f'.repeat(8000)}/start`, status: 404, message: /No such container/ },
  { what: 'an image id with traversal', method: 'GET', path: '/images/..%2F..%2Fetc/json', status: 400, message: /invalid reference format/ },
  { what: 'an exec id that is not one', method: 'GET', path: '/exec/%2E%2E/json', status: 404, message: /No such exec instance/ },
  { what: 'renaming to a traversal', method: 'POST', path: `/containers/${T}/rename?name=..%2F..`, status: 400, message: /Invalid container name/ },
  // Query values of the wrong type.
  { what: 't=abc', method: 'POST', path: `/containers/${T}/stop?t=abc`, status: 400, message: /invalid value for t: "abc"/ },
  { what: 'tail=-5x', method: 'GET', path: `/containers/${T}/logs?stdout=1&tail=-5x`, status: 400, message: /invalid value for tail: "-5x"/ },
  { what: 'since=garbage', method: 'GET', path: `/containers/${T}/logs?stdout=1&since=garbage`, status: 400, message: /invalid value for since: "garbage"/ },
  { what: 'until=yesterday', method: 'GET', path: `/containers/${T}/logs?stdout=1&until=yesterday`, status: 400, message: /invalid value for until/ },
  { what: 'logs with no stream', method: 'GET', path: `/containers/${T}/logs`, status: 400, message: /you must choose at least one stream/ },
  { what: 'a resize beyond 16 bits', method: 'POST', path: `/containers/${T}/resize?h=70000&w=80`, status: 400, message: /invalid value for h: "70000": out of range/ },
  { what: 'a negative resize', method: 'POST', path: `/containers/${T}/resize?h=-1&w=80`, status: 400, message: /out of range/ },
  { what: 'an unknown signal', method: 'POST', path: `/containers/${T}/kill?signal=SIGFOO`, status: 400, message: /Invalid signal: SIGFOO/ },
  { what: 'a real-time signal past the last', method: 'POST', path: `/containers/${T}/kill?signal=SIGRTMIN%2B99`, status: 400, message: /Invalid signal/ },
  { what: 'a signal number past 64', method: 'POST', path: `/containers/${T}/stop?signal=99`, status: 400, message: /Invalid signal: 99/ },
  { what: 'limit=abc', method: 'GET', path: '/containers/json?limit=abc', status: 400, message: /invalid value for limit/ },
  { what: 'filters not JSON', method: 'GET', path: '/containers/json?filters={bad', status: 400, message: /invalid filters/ },
  { what: 'filters of the wrong shape', method: 'GET', path: `/containers/json?filters=${q({ status: 5 })}`, status: 400, message: /invalid filters/ },
  { what: 'an unknown filter', method: 'GET', path: `/containers/json?filters=${q({ bogus: ['x'] })}`, status: 400, message: /invalid filter 'bogus'/ },
  { what: 'a name filter that is no regexp', method: 'GET', path: `/containers/json?filters=${q({ name: ['('] })}`, status: 400, message: /invalid filter 'name=\('/ },
  { what: 'a name filter that would backtrack for ever', method: 'GET', path: `/containers/json?all=1&filters=${q({ name: ['^/(h+o+s*t*i*l*e*-*)+x$'] })}`, status: 200 },
  { what: 'prune until garbage', method: 'POST', path: `/containers/prune?filters=${q({ until: ['garbage'] })}`, status: 400, message: /invalid value for until filter: "garbage"/ },
  { what: 'image prune until garbage', method: 'POST', path: `/images/prune?filters=${q({ until: ['garbage'] })}`, status: 400, message: /invalid value for until filter/ },
  { what: 'events since garbage', method: 'GET', path: '/events?since=garbage', status: 400, message: /invalid value for since/ },
  { what: 'events with an unknown filter', method: 'GET', path: `/events?filters=${q({ bogus: ['x'] })}`, status: 400, message: /invalid filter 'bogus'/ },
  { what: 'a wait condition that is none', method: 'POST', path: `/containers/${T}/wait?condition=soon`, status: 400, message: /invalid condition: "soon"/ },
  { what: 'attach with bad detach keys', method: 'POST', path: `/containers/${T}/attach?stream=1&stdout=1&detachKeys=ctrl-%7E%7E`, status: 400, message: /Invalid detach keys/ },
  { what: 'attach without an upgrade', method: 'POST', path: `/containers/${T}/attach?stream=1&stdout=1`, status: 400, message: /needs a connection upgrade/ },
  // Exec bodies.
  { what: 'an exec body a number', method: 'POST', path: `/containers/${T}/exec`, body: '5', status: 400, message: /want an object, got number/ },
  { what: 'an exec Cmd a string', method: 'POST', path: `/containers/${T}/exec`, body: { Cmd: 'ls' }, status: 400, message: /invalid Cmd: want an array/ },
  { what: 'an exec Env an object', method: 'POST', path: `/containers/${T}/exec`, body: { Cmd: ['ls'], Env: {} }, status: 400, message: /invalid Env/ },
  { what: 'an exec without a command', method: 'POST', path: `/containers/${T}/exec`, body: { Cmd: [] }, status: 400, message: /No exec command specified/ },
  { what: 'exec detach keys that are none', method: 'POST', path: `/containers/${T}/exec`, body: { Cmd: ['true'], DetachKeys: 'ctrl-' }, status: 400, message: /Invalid escape keys \(ctrl-\) provided/ },
  { what: 'an exec console size of a million', method: 'POST', path: `/containers/${T}/exec`, body: { Cmd: ['true'], ConsoleSize: [1e6, 1] }, status: 400, message: /invalid ConsoleSize/ },
  { what: 'an exec start body a string', method: 'POST', path: '/exec/0123/start', body: '"go"', status: 400, message: /want an object, got string/ },
  { what: 'an exec start Detach a string', method: 'POST', path: '/exec/0123/start', body: { Detach: 'yes' }, status: 400, message: /invalid Detach: want a boolean/ },
  { what: 'an exec resize h=x', method: 'POST', path: '/exec/0123/resize?h=x', status: 400, message: /invalid value for h/ },
  // Methods, versions, images.
  { what: 'a method the path does not have', method: 'PUT', path: '/containers/json', status: 405, message: /method not allowed/ },
  { what: 'an API version from the future', method: 'GET', path: '/v1.99/version', status: 400, message: /client version 1.99 is too new/ },
  { what: 'an unknown path', method: 'GET', path: '/v1.45/nothing/here', status: 404, message: /page not found/ },
  { what: 'an import from a URL', method: 'POST', path: '/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A1%2Fx.tar', status: 501, message: /importing from a URL is not supported/ },
  { what: 'a tag with a NUL', method: 'POST', path: '/images/busybox/tag?repo=%00&tag=x', status: 400, message: /invalid reference format/ },
];

/** berthd's resident memory, in bytes. */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** How long /_ping takes right now. */
async function pingMs(d: TestDaemon): Promise<number> {
  const t0 = Date.now();
  const r = await d.api('GET', '/_ping');
  assert.equal(r.status, 200);
  return Date.now() - t0;
}

describe('hostile API input: 4xx with Docker\'s message shape, no crash, no hang', () => {
  let d: TestDaemon;
  before(async () => {
    d = await TestDaemon.start();
    const r = await d.docker(['run', '-d', '--name', T, 'busybox', 'sleep', '600']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.cleanup();
  });

  test('every row of the table gets its status and message', async () => {
    const failures: string[] = [];
    for (const row of rows) {
      const r = await d.api(row.method, row.path, row.body);
      const message = (r.json as { message?: unknown } | undefined)?.message;
      if (r.status !== row.status) failures.push(`${row.what}: status ${r.status}, want ${row.status}: ${r.body.slice(0, 200)}`);
      else if (row.status >= 400 && (typeof message !== 'string' || Object.keys(r.json as object).length !== 1)) failures.push(`${row.what}: body is not {"message": string}: ${r.body.slice(0, 200)}`);
      else if (row.message && !row.message.test(String(message))) failures.push(`${row.what}: message ${JSON.stringify(message)} does not match ${row.message}`);
    }
    assert.deepEqual(failures, []);
    assert.ok((await pingMs(d)) < 500);
    assert.doesNotMatch(d.log, /level=error msg="(request failed|uncaught exception|unhandled rejection)"/);
    // Nothing above made a container.
    const list = await d.api('GET', '/containers/json?all=1');
    assert.deepEqual((list.json as { Names: string[] }[]).map((c) => c.Names[0]), [`/${T}`]);
  });

  test('unknown fields are ignored, and __proto__ in a body changes nothing', async () => {
    const r = await d.api('POST', '/containers/create?name=open-schema', '{"Image":"busybox","Cmd":["true"],"NoSuchField":{"x":[1,2]},"__proto__":{"HostConfig":{"Privileged":true}},"HostConfig":{"AlsoUnknown":true}}');
    assert.equal(r.status, 201, r.body);
    const inspect = await d.api('GET', '/containers/open-schema/json');
    assert.equal((inspect.json as { HostConfig: { Privileged: boolean } }).HostConfig.Privileged, false);
    assert.equal((await d.api('DELETE', '/containers/open-schema')).status, 204);
  });

  test('malformed HTTP and oversized headers get Docker\'s error shape', async () => {
    const garbage = await rawExchange(d.socket, 'GARBAGE\r\n\r\n');
    assert.equal(garbage.status, 400);
    assert.match(JSON.parse(garbage.body).message, /malformed HTTP request/);
    const big = await rawExchange(d.socket, `GET /containers/${'a'.repeat(40_000)}/json HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(big.status, 431);
    assert.deepEqual(JSON.parse(big.body), { message: 'request headers too large' });
    const badLength = await rawExchange(d.socket, 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n');
    assert.equal(badLength.status, 400);
  });

  test('a body over the limit gets 413 without being read to its end, declared or endless', async () => {
    const declared = await rawExchange(d.socket, 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{"Image":', { endAfterAnswer: true });
    assert.equal(declared.status, 413);
    assert.match(JSON.parse(declared.body).message, /request body too large: more than 4194304 bytes/);
    let sent = 0;
    const chunk = Buffer.from(`10000\r\n${'x'.repeat(0x10000)}\r\n`);
    const endless = await rawExchange(d.socket, 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', {
      endAfterAnswer: true,
      more: () => (sent < 64 << 20 ? ((sent += chunk.length), chunk) : undefined),
    });
    assert.equal(endless.status, 413);
    assert.ok(sent < 32 << 20, `berthd read ${sent} bytes before answering`);
    assert.ok((await pingMs(d)) < 500);
  });

  test('clients that stall mid-request are cut off with 408 and hold up no one', async () => {
    const headers = Array.from({ length: 20 }, () => rawExchange(d.socket, 'GET /containers/json HTTP/1.1\r\nHost: x\r\n', { timeoutMs: 20_000 }));
    const bodies = Array.from({ length: 20 }, () =>
      rawExchange(d.socket, 'POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Image"', { timeoutMs: 20_000 }));
    const silent = Array.from({ length: 20 }, () => rawExchange(d.socket, '', { timeoutMs: 20_000 }));
    // Meanwhile everyone else is served at once.
    for (let i = 0; i < 10; i++) {
      assert.ok((await pingMs(d)) < 500);
      const r = await d.api('GET', '/containers/json');
      assert.equal(r.status, 200);
      await new Promise((res) => setTimeout(res, 200));
    }
    for (const a of await Promise.all([...headers, ...silent])) {
      assert.equal(a.status, 408, a.head);
      assert.ok(a.ms < 15_000, `cut off after ${a.ms} ms`);
      assert.match(JSON.parse(a.body).message, /the request headers did not arrive within 10 s/);
    }
    for (const a of await Promise.all(bodies)) {
      assert.equal(a.status, 408, a.head);
      assert.ok(a.ms < 15_000, `cut off after ${a.ms} ms`);
      assert.match(JSON.parse(a.body).message, /the client sent no part of the request body for 10 s/);
    }
  });

  test('a logs -f client that never reads costs berthd no memory and slows no one', async () => {
    // About 64 MiB of output: what berthd would hold if it did not wait for the client.
    // One unrotated file (berth bounds logs by default): the whole 64 MiB stays readable.
    const r = await d.docker(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=-1', 'busybox', 'sh', '-c', 'dd if=/dev/zero bs=1048576 count=64 2>/dev/null | tr "\\0" x | fold -w 1023; sleep 600']);
    assert.equal(r.code, 0, r.stderr);
    const log = `${d.dataRoot}/containers/${r.stdout.trim()}/${r.stdout.trim()}-json.log`;
    for (let i = 0; i < 200 && (await import('node:fs')).statSync(log, { throwIfNoEntry: false })?.size! < 64 << 20; i++) await new Promise((res) => setTimeout(res, 100));
    const fds = () => readdirSync(`/proc/${d.pid}/fd`).length;
    const fdsBefore = fds();
    const before = rss(d.pid);
    const stuck = await Promise.all(Array.from({ length: 4 }, () => rawConnect(d.socket)));
    for (const s of stuck) {
      s.pause();
      s.write('GET /containers/chatty/logs?follow=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    }
    const attached = await rawConnect(d.socket);
    attached.pause();
    attached.write('POST /containers/chatty/attach?stream=1&stdout=1&logs=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    await new Promise((res) => setTimeout(res, 3000));
    for (let i = 0; i < 5; i++) assert.ok((await pingMs(d)) < 500);
    const tail = await d.api('GET', '/containers/chatty/logs?stdout=1&tail=1');
    assert.equal(tail.status, 200);
    const grown = rss(d.pid) - before;
    assert.ok(grown < 40 << 20, `berthd grew by ${grown >> 20} MiB for clients that do not read`);
    for (const s of [...stuck, attached]) s.destroy();
    // Once they go, what they held goes too.
    for (let i = 0; i < 50 && fds() > fdsBefore; i++) await new Promise((res) => setTimeout(res, 100));
    assert.ok(fds() <= fdsBefore, `berthd holds ${fds() - fdsBefore} more descriptors after the clients left`);
    assert.equal((await d.api('DELETE', '/containers/chatty?force=1')).status, 204);
  });

  test('after all of it berthd is up, logged no internal error, and the target still runs', async () => {
    assert.ok((await pingMs(d)) < 500);
    const r = await d.api('GET', `/containers/${T}/json`);
    assert.equal((r.json as { State: { Running: boolean } }).State.Running, true);
    assert.doesNotMatch(d.log, /level=error/);
  });
});
