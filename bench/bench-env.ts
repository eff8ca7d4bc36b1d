import type { Command } from './timed-command.js';

/** A daemon under test, as bench/run started it. */
export interface Engine {
  name: 'berth' | 'docker';
  socket: string;
  /** berthd's pid; dockerd's pid. */
  pid: number;
  /** Its temporary directory (room for a proxy socket). */
  dir: string;
  /** The docker CLI to drive it with. */
  cli: string;
}

/** What bench/run set up, handed over in BENCH_* variables. */
export interface BenchEnv {
  repoRoot: string;
  dockerCli: string;
  berth: Engine;
  /** Absent when Docker Engine is not installed. */
  docker?: Engine;
  /** An OCI bundle directory whose rootfs is the busybox image. */
  bundle: string;
  /** A scratch directory for the OCI runtimes' state. */
  ociState: string;
  /** Scales a number of rounds down in --quick mode. */
  rounds(full: number): number;
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the benchmarks with bench/run`);
  return v;
}

export function benchEnvFromProcess(quick: boolean): BenchEnv {
  const dockerSock = process.env.BENCH_DOCKER_SOCK;
  const cli = need('BENCH_DOCKER_CLI');
  return {
    repoRoot: need('BENCH_REPO'),
    dockerCli: cli,
    berth: { name: 'berth', socket: need('BENCH_BERTH_SOCK'), pid: Number(need('BENCH_BERTH_PID')), dir: need('BENCH_BERTH_DIR'), cli },
    ...(dockerSock
      ? { docker: { name: 'docker' as const, socket: dockerSock, pid: Number(need('BENCH_DOCKER_PID')), dir: need('BENCH_DOCKER_DIR'), cli } }
      : {}),
    bundle: need('BENCH_BUNDLE'),
    ociState: need('BENCH_OCI_STATE'),
    rounds: (full) => (quick ? Math.max(3, Math.ceil(full / 6)) : full),
  };
}

/** The daemons to compare, berth first. */
export function enginesOf(env: BenchEnv): Engine[] {
  return env.docker ? [env.berth, env.docker] : [env.berth];
}

/** The docker CLI pointed at one daemon (by -H, so that commands differ only in their arguments). */
export function dockerCli(target: Pick<Engine, 'cli' | 'socket'>, args: string[]): Command {
  return { cmd: target.cli, args: ['-H', `unix://${target.socket}`, ...args] };
}
