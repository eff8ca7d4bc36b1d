import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import { childrenOf, allPids, cmdlineOf, exeOf, pssMiB, rssMiB } from './proc-memory.js';
import { newRow, type Row } from './results-table.js';
import { median, summarize } from './stats.js';
import { runCommand } from './timed-command.js';
import { UnixHttp } from './unix-http.js';

const COUNT = 100;
const names = Array.from({ length: COUNT }, (_, i) => `bench-idle-${i}`);

/** The daemon's own processes: berthd; dockerd and the containerd it started. */
function daemonPids(e: Engine): number[] {
  if (e.name === 'berth') return [e.pid];
  return [e.pid, ...childrenOf(e.pid).filter((p) => basename(cmdlineOf(p)[0] ?? '') === 'containerd')];
}

/** One shim per container: berthd's berth-shim children; containerd-shim-runc-v2 of our containerd. */
function shimPids(e: Engine): number[] {
  if (e.name === 'berth') return childrenOf(e.pid).filter((p) => basename(exeOf(p)).startsWith('berth-shim'));
  return allPids().filter((p) => {
    const argv = cmdlineOf(p);
    return basename(argv[0] ?? '') === 'containerd-shim-runc-v2' && argv.some((a) => a.startsWith(e.dir));
  });
}

const daemonRss = (e: Engine) => daemonPids(e).reduce((sum, p) => sum + rssMiB(p), 0);

async function startContainers(e: Engine): Promise<{ seconds: number; failures: string[] }> {
  const failures: string[] = [];
  const queue = [...names];
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let n = queue.shift(); n; n = queue.shift()) {
      const r = await runCommand(dockerCli(e, ['run', '-d', '--name', n, '--network', 'none', 'busybox', 'sleep', '3600']));
      if (r.code !== 0) failures.push(`${n}: exit ${r.code}: ${r.stderr.trim()}`);
    }
  }));
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, failures };
}

async function listLatency(env: BenchEnv, row: Row): Promise<void> {
  const clients = enginesOf(env).map((e) => [e, new UnixHttp(e.socket)] as const);
  const samples = new Map<string, number[]>(clients.map(([e]) => [e.name, []]));
  const n = env.rounds(500);
  try {
    for (const [e, c] of clients) {
      const r = await c.get('/v1.41/containers/json');
      const count = r.status === 200 ? (JSON.parse(r.body) as unknown[]).length : -1;
      if (count !== COUNT) row.errors.push(`${e.name}: GET /containers/json answered ${r.status} with ${count} containers, expected ${COUNT}: ${r.body.slice(0, 200)}`);
    }
    for (let i = 0; i < 20 + n; i++) {
      for (const [e, c] of i % 2 ? [...clients].reverse() : clients) {
        const r = await c.get('/v1.41/containers/json');
        if (r.status !== 200) throw new Error(`${e.name}: GET /containers/json answered ${r.status}`);
        if (i >= 20) samples.get(e.name)!.push(r.ms);
      }
    }
  } finally {
    for (const [, c] of clients) c.close();
  }
  for (const [name, xs] of samples) if (xs.length) row[name as Engine['name']] = summarize(xs);
  row.notes.push(`${n} requests each after 20 warm-up, alternating, by an HTTP client in the harness over one kept-alive connection per daemon, request to last byte`);
}

/** 4, 5, 6: 100 running containers: the shims' and the daemons' memory, and the list latency. */
export async function measureHundred(env: BenchEnv): Promise<Row[]> {
  const shim = newRow('4', `shim RSS per container, ${COUNT} running (berth-shim vs containerd-shim-runc-v2)`, { unit: 'MiB', goals: [{ kind: 'below', value: 2 }] });
  const daemon = newRow('5', `daemon RSS with ${COUNT} running \`sleep 3600\` (berthd vs dockerd + containerd)`, { unit: 'MiB', goals: [{ kind: 'below', value: 100 }] });
  const list = newRow('6', `\`GET /containers/json\` with ${COUNT} running`, { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.25 }] });
  const idle = new Map(enginesOf(env).map((e) => [e.name, daemonRss(e)]));
  try {
    for (const e of enginesOf(env)) {
      const r = await startContainers(e);
      daemon.notes.push(`${e.name}: ${COUNT - r.failures.length} containers started with \`run -d\` (4 clients) in ${r.seconds.toFixed(1)} s`);
      if (r.failures.length) daemon.errors.push(`${e.name}: ${r.failures.length} of ${COUNT} \`run -d\` failed, e.g. ${r.failures[0]}`);
    }
    await sleep(2000);
    for (const e of enginesOf(env)) {
      const pids = shimPids(e);
      if (pids.length !== COUNT) shim.errors.push(`${e.name}: found ${pids.length} shim processes for ${COUNT} containers`);
      if (pids.length) {
        shim[e.name] = summarize(pids.map(rssMiB));
        shim.notes.push(`${e.name}: ${pids.length} shims, PSS median ${median(pids.map(pssMiB)).toFixed(2)} MiB (shared pages split among them)`);
      }
      const samples: number[] = [];
      for (let i = 0; i < 5; i++, await sleep(200)) samples.push(daemonRss(e));
      daemon[e.name] = summarize(samples);
      const parts = daemonPids(e).map((p) => `${basename(cmdlineOf(p)[0] ?? '?')} ${rssMiB(p).toFixed(1)}`).join(' + ');
      daemon.notes.push(`${e.name}: ${parts} MiB; ${idle.get(e.name)!.toFixed(1)} MiB before the containers started`);
    }
    await listLatency(env, list);
    for (const e of enginesOf(env)) daemon.notes.push(`${e.name}: ${daemonRss(e).toFixed(1)} MiB after the list requests`);
  } finally {
    for (const e of enginesOf(env)) await runCommand(dockerCli(e, ['rm', '-f', ...names]), { timeoutMs: 300_000 });
  }
  return [shim, daemon, list];
}
