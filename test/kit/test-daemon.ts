import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { loadBaseImages } from './base-images.js';
import { DOCKER_CLI, repoRoot } from './paths.js';
import { run, type RunOptions, type RunResult } from './run.js';

export interface ApiResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: unknown;
}

export interface TestDaemonOptions {
  /** Load busybox:latest and hello-world:latest (default true). */
  baseImages?: boolean;
  extraArgs?: string[];
}

/**
 * A real berthd on a temporary root and socket, with its own cgroup parent, so that tests run side
 * by side. `cleanup()` removes every container, stops the daemon and checks nothing is left.
 */
export class TestDaemon {
  readonly tag = randomBytes(4).toString('hex');
  /** Short on purpose: socket paths under it must fit in 108 bytes. */
  readonly dir = `/tmp/bt-${this.tag}`;
  readonly socket = join(this.dir, 'b.sock');
  readonly dataRoot = join(this.dir, 'data');
  readonly execRoot = join(this.dir, 'run');
  readonly cgroupParent = `/berth-test-${this.tag}`;
  readonly host = `unix://${this.socket}`;
  /** Its own default bridge, subnet and nftables table: daemons side by side never share them. */
  readonly bridge = `bt${this.tag}`;
  readonly nftTable = `berth_bt${this.tag}`;
  private readonly octet = freeThirdOctet();
  readonly bip = `10.200.${this.octet}.1/24`;
  /**
   * Where its networks' subnets come from (--default-address-pool): a /16 of its own, so that
   * daemons creating networks at the same moment cannot pick the same subnet.
   */
  readonly addressPool = `10.${this.octet === 200 ? 199 : this.octet}.0.0/16`;

  /** A /24 of this daemon's own pool, for tests that name a subnet (`n` above what it picks itself). */
  subnet(n: number): string {
    return this.addressPool.replace(/\.0\.0\/16$/, `.${n}.0/24`);
  }
  private proc: ChildProcess | undefined;
  log = '';

  private constructor(private readonly o: TestDaemonOptions) {}

  static async start(o: TestDaemonOptions = {}): Promise<TestDaemon> {
    const d = new TestDaemon(o);
    try {
      await mkdir(d.dir, { recursive: true });
      await writeFile(join(d.dir, 'daemon.json'), '{}\n');
      await d.launch();
      if (o.baseImages !== false) await loadBaseImages(d.socket);
      return d;
    } catch (err) {
      await d.cleanup();
      throw err;
    }
  }

  get pid(): number {
    return this.proc?.pid ?? 0;
  }

  private async launch(): Promise<void> {
    const args = [
      '-H', this.host, '--data-root', this.dataRoot, '--exec-root', this.execRoot,
      '--pidfile', join(this.dir, 'berthd.pid'), '--config-file', join(this.dir, 'daemon.json'),
      '--cgroup-parent', this.cgroupParent,
      '--bridge', this.bridge, '--bip', this.bip, '--default-address-pool', `base=${this.addressPool},size=24`,
      // Tests never leave this machine: a pull of an image that is not here must not reach Docker Hub.
      '--allow-registry', '127.0.0.0/8', '--allow-registry', 'localhost',
      ...(this.o.extraArgs ?? []),
    ];
    const proc = spawn(join(repoRoot, 'bin/berthd'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`berthd exited with ${proc.exitCode ?? proc.signalCode}:\n${this.log}`);
      if (existsSync(this.socket)) {
        const r = await this.api('GET', '/_ping').catch(() => undefined);
        if (r?.status === 200) return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`berthd did not answer on ${this.socket}:\n${this.log}`);
  }

  /** One Engine API request over the socket. */
  api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const req = request({
        socketPath: this.socket, method, path,
        headers: { ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}), ...headers },
      }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  /** The real docker CLI, pointed at this daemon. */
  docker(args: string[], o: RunOptions = {}): Promise<RunResult> {
    return run(DOCKER_CLI, args, { ...o, env: { DOCKER_HOST: this.host, DOCKER_CONFIG: join(this.dir, 'docker-config'), ...o.env } });
  }

  /** Berth's own CLI, pointed at this daemon. */
  berth(args: string[], o: RunOptions = {}): Promise<RunResult> {
    return run(join(repoRoot, 'bin/berth'), args, { ...o, env: { BERTH_HOST: this.host, DOCKER_HOST: this.host, ...o.env } });
  }

  private get running(): boolean {
    const p = this.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Kills berthd with SIGKILL; containers go on. */
  kill9(): Promise<void> {
    return this.signalAndWait('SIGKILL');
  }

  /** Stops berthd with SIGTERM, as a service manager does; containers go on. */
  stop(): Promise<void> {
    return this.signalAndWait('SIGTERM');
  }

  /** Starts berthd again on the same root, after a SIGKILL (or a SIGTERM with `graceful`). */
  async restart(o: { graceful?: boolean } = {}): Promise<void> {
    await this.signalAndWait(o.graceful ? 'SIGTERM' : 'SIGKILL');
    await this.launch();
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  /** Removes every container, stops berthd, and checks that no mount, cgroup or process is left. */
  async cleanup(): Promise<void> {
    try {
      if (this.proc && this.running) {
        const list = await this.api('GET', '/containers/json?all=1').catch(() => undefined);
        for (const c of (list?.json as { Id: string }[] | undefined) ?? []) {
          await this.api('DELETE', `/containers/${c.Id}?force=1`).catch(() => {});
        }
        const p = this.proc;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (this.running) p.kill('SIGKILL');
      }
    } finally {
      this.killLeftovers();
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(this.dir));
      for (const m of mounts.reverse()) {
        const target = m.split(' ')[4];
        if (target) await run('umount', ['-l', target]).catch(() => undefined);
      }
      await this.removeNetworks();
      await rm(this.dir, { recursive: true, force: true });
      this.removeCgroups();
    }
  }

  /** The bridges (default and user-defined), namespaces and nftables table this daemon made. */
  private async removeNetworks(): Promise<void> {
    const bridges = [this.bridge];
    const netDir = join(this.dataRoot, 'network', 'networks');
    for (const f of existsSync(netDir) ? readdirSync(netDir) : []) {
      try {
        const n = JSON.parse(readFileSync(join(netDir, f), 'utf8')) as { bridge?: string };
        if (n.bridge) bridges.push(n.bridge);
      } catch {
        // a temp file: no bridge in it
      }
    }
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${this.bridge}-`)) : [];
    const lines = [...netns.map((n) => `netns del ${n}`), ...[...new Set(bridges)].filter((b) => existsSync(`/sys/class/net/${b}`)).map((b) => `link del ${b}`)];
    if (lines.length) await run('ip', ['-force', '-batch', '-'], { input: lines.join('\n') + '\n' }).catch(() => undefined);
    await run('nft', ['delete', 'table', 'ip', this.nftTable]).catch(() => undefined);
  }

  /** Container processes of this daemon that survived (a test killed berthd and failed): killed by pid. */
  private killLeftovers(): void {
    for (const ctrl of ['pids', 'memory', 'freezer']) {
      const base = join('/sys/fs/cgroup', ctrl, this.cgroupParent);
      if (!existsSync(base)) continue;
      for (const leaf of readdirSync(base, { withFileTypes: true })) {
        if (!leaf.isDirectory()) continue;
        const procs = readFileSync(join(base, leaf.name, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
        for (const pid of procs) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    }
  }

  private removeCgroups(): void {
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      const base = join('/sys/fs/cgroup', ctrl, this.cgroupParent);
      if (!existsSync(base)) continue;
      for (let i = 0; i < 50; i++) {
        try {
          for (const leaf of readdirSync(base, { withFileTypes: true })) if (leaf.isDirectory()) rmdirSync(join(base, leaf.name));
          rmdirSync(base);
          break;
        } catch {
          // processes still leaving the cgroup: retry shortly (synchronously, we are in cleanup)
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        }
      }
    }
  }
}

/** A /24 in 10.200.0.0/16 that no route on this machine uses yet (another test daemon's bridge). */
function freeThirdOctet(): number {
  const used = new Set<number>();
  for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
    const dest = line.trim().split(/\s+/)[1];
    if (!dest) continue;
    const b = Buffer.from(dest, 'hex');
    if (b[0] === 10 && b[1] === 200) used.add(b[2]!);
  }
  const start = (process.pid * 7 + Math.floor(Math.random() * 250)) % 250;
  for (let i = 0; i < 250; i++) {
    const o = ((start + i) % 250) + 1;
    if (!used.has(o)) return o;
  }
  throw new Error('no free /24 left in 10.200.0.0/16 for a test daemon');
}
