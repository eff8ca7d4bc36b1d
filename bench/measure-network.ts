import { dockerCli, enginesOf, type BenchEnv, type Engine } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';
import { summarize, type Summary } from './stats.js';
import { compareCommands, mustRun, runCommand, type Command } from './timed-command.js';

/**
 * 30-33. Networks: a start on the default bridge, what -p adds to it, a user network made and
 * removed, and throughput through a published port on 127.0.0.1 against a direct connection to
 * the container's address. Docker Engine runs in its own network namespace (bench/run): its
 * published ports and container addresses are reached from inside it.
 */

/** Sends `bytes` zeros to host:port and prints MiB/s (connect to close; the sink closes at EOF). */
const CLIENT = `
const net = require('node:net');
const [host, port, total] = process.argv.slice(1);
const chunk = Buffer.alloc(1 << 20);
let left = Number(total);
const t0 = process.hrtime.bigint();
const s = net.connect({ host, port: Number(port) }, () => {
  const pump = () => {
    while (left > 0) {
      left -= chunk.length;
      if (!s.write(chunk)) return s.once('drain', pump);
    }
    s.end();
  };
  pump();
});
s.on('error', (e) => { console.error(e.message); process.exit(1); });
s.on('close', () => {
  const s2 = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log((Number(total) / 1048576 / s2).toFixed(1));
});
`;

/** Per round: with − without (rounds alternate the order, so drift falls on both). */
function delta(samples: Map<string, number[]>, a: string, b: string): Summary | undefined {
  const x = samples.get(a) ?? [];
  const y = samples.get(b) ?? [];
  const n = Math.min(x.length, y.length);
  return n ? summarize(x.slice(0, n).map((v, i) => v - y[i]!)) : undefined;
}

/** A command run in the engine's network namespace (Docker Engine's is not the host's). */
function inNetns(e: Engine, c: Command): Command {
  const netns = e.name === 'docker' ? process.env.BENCH_DOCKER_NETNS : undefined;
  return netns ? { cmd: 'nsenter', args: [`--net=${netns}`, c.cmd, ...c.args] } : c;
}

async function cli(e: Engine, args: string[]): Promise<string> {
  return (await mustRun(dockerCli(e, args), { capture: 'text' })).stdout.trim();
}

/** MiB/s through a published port on 127.0.0.1 and straight to the container's address. */
async function throughput(e: Engine, rounds: number, bytes: number): Promise<{ published: number[]; direct: number[]; errors: string[] }> {
  const name = `bench-net-sink-${e.name}`;
  const out = { published: [] as number[], direct: [] as number[], errors: [] as string[] };
  await runCommand(dockerCli(e, ['rm', '-f', name]));
  // busybox nc as a persistent server handing each connection to dd, which reads to the end (a
  // plain `nc -l` stops at its own stdin's EOF, after the first buffer).
  const sink = 'printf "#!/bin/sh\\nexec dd of=/dev/null bs=1M 2>/dev/null\\n" >/tmp/sink && chmod +x /tmp/sink && exec nc -ll -p 5001 -e /tmp/sink';
  await cli(e, ['run', '-d', '--name', name, '-p', '127.0.0.1::5001', 'busybox', 'sh', '-c', sink]);
  try {
    const port = (await cli(e, ['port', name, '5001/tcp'])).split(':').pop()!;
    const ip = await cli(e, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]);
    const targets: ['published' | 'direct', string, string][] = [['published', '127.0.0.1', port], ['direct', ip, '5001']];
    for (let r = 0; r < rounds + 1; r++) {
      for (const [kind, host, p] of r % 2 ? targets : [...targets].reverse()) {
        const res = await runCommand(inNetns(e, { cmd: process.execPath, args: ['-e', CLIENT, host, p, String(bytes)] }), { capture: 'text', timeoutMs: 60_000 });
        if (res.code !== 0) {
          out.errors.push(`${e.name} ${kind}: exit ${res.code}: ${res.stderr.trim()}`);
          return out;
        }
        if (r > 0) out[kind].push(Number(res.stdout.trim()));
      }
    }
  } finally {
    await runCommand(dockerCli(e, ['rm', '-f', name]));
  }
  return out;
}

export async function measureNetwork(env: BenchEnv): Promise<Row[]> {
  const rows: Row[] = [];
  const run = newRow('30', '`run --rm busybox true` on the default bridge', { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.25 }] });
  rows.push(await compareCli(env, run, { args: () => ['run', '--rm', 'busybox', 'true'], warmup: 3, rounds: 30 }));

  // 31. What -p adds: the same run with and without one published port, per-round differences.
  const cmds: [string, Command][] = enginesOf(env).flatMap((e) => [
    [`${e.name} -p`, dockerCli(e, ['run', '--rm', '-p', '127.0.0.1::80', 'busybox', 'true'])],
    [`${e.name} plain`, dockerCli(e, ['run', '--rm', 'busybox', 'true'])],
  ] as [string, Command][]);
  const rounds = env.rounds(30);
  const r = await compareCommands(cmds, { warmup: 3, rounds });
  const p = newRow('31', 'what `-p 127.0.0.1::80` adds to `run --rm busybox true`', { unit: 'ms', goals: [{ kind: 'below', value: 10 }] });
  const b = delta(r.samples, 'berth -p', 'berth plain');
  const d = delta(r.samples, 'docker -p', 'docker plain');
  if (b) p.berth = b;
  if (d) p.docker = d;
  for (const [n, err] of r.errors) p.errors.push(`${n}: ${err}`);
  p.notes.push(`${rounds} interleaved rounds after 3 warm-up; median (p10–p90) of the per-round differences (with − without)`);
  rows.push(p);

  const net = newRow('32', '`network create` + `network rm` of a bridge network', { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.25 }] });
  const both = enginesOf(env).map((e) => [e.name, {
    cmd: 'sh', args: ['-c', `"$0" -H unix://${e.socket} network create bench-net >/dev/null && "$0" -H unix://${e.socket} network rm bench-net >/dev/null`, e.cli],
  }] as [string, Command]);
  const nr = await compareCommands(both, { warmup: 2, rounds: env.rounds(20) });
  for (const [n, s] of nr.samples) if (s.length) net[n as Engine['name']] = summarize(s);
  for (const [n, err] of nr.errors) net.errors.push(`${n}: ${err}`);
  net.notes.push(`two docker CLI processes per sample (create, then rm), ${env.rounds(20)} interleaved rounds after 2 warm-up`);
  rows.push(net);

  // 33. Throughput: through the published port on 127.0.0.1 and directly, for each engine.
  const bytes = (env.rounds(30) < 30 ? 256 : 1024) * 1048576;
  const tput = new Map<string, { published: number[]; direct: number[]; errors: string[] }>();
  for (const e of enginesOf(env)) tput.set(e.name, await throughput(e, env.rounds(6), bytes));
  const mine = tput.get('berth')!;
  const viaPort = newRow('33a', 'throughput through a published port on 127.0.0.1, berth vs **Docker Engine** (its userland proxy)', { unit: 'MiB/s', goals: [{ kind: 'ratio-at-least', value: 1 }] });
  const vsDirect = newRow('33b', 'throughput through berth\'s published port vs **a direct connection** to the container address', { unit: 'MiB/s', goals: [{ kind: 'ratio-at-least', value: 1 / 1.5 }] });
  if (mine.published.length) viaPort.berth = vsDirect.berth = summarize(mine.published);
  if (mine.direct.length) vsDirect.docker = summarize(mine.direct);
  const theirs = tput.get('docker');
  if (theirs?.published.length) viaPort.docker = summarize(theirs.published);
  for (const t of tput.values()) viaPort.errors.push(...t.errors);
  viaPort.notes.push(`${bytes / 1048576} MiB from a Node client on the host (Docker Engine's: in its network namespace) to busybox \`nc -ll -e dd\` in the container, connect to close; ${env.rounds(6)} rounds`);
  if (theirs?.direct.length) viaPort.notes.push(`Docker Engine direct to the container: ${summarize(theirs.direct).median.toFixed(0)} MiB/s (median)`);
  rows.push(viaPort, vsDirect);
  return rows;
}
