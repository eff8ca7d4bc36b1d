import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';
import { freePort } from './free-port.js';

export interface RegistryServerOptions {
  /** htpasswd users (bcrypt-hashed with `htpasswd -B`). */
  htpasswd?: Record<string, string>;
  /** Token auth: the token server's realm, service, issuer and the PEM of the cert it signs with. */
  token?: { realm: string; service: string; issuer: string; certPem: string };
  /** Serve this storage directory (shared with another registry) instead of a new one. */
  storage?: string;
}

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1:<free port>, its config and storage
 * in a temporary directory. `stop()` kills it by pid and removes the directory.
 */
export class RegistryServer {
  log = '';
  private proc: ChildProcess | undefined;

  private constructor(readonly dir: string, readonly port: number, readonly storage: string) {}

  /** `127.0.0.1:<port>`: the domain of references into this registry. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(o: RegistryServerOptions = {}): Promise<RegistryServer> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
    const r = new RegistryServer(dir, await freePort(), o.storage ?? join(dir, 'storage'));
    try {
      let auth = '';
      if (o.htpasswd) {
        const file = join(dir, 'htpasswd');
        await writeFile(file, '');
        for (const [user, password] of Object.entries(o.htpasswd)) {
          const res = await run('htpasswd', ['-bB', file, user, password]);
          if (res.code !== 0) throw new Error(`htpasswd: ${res.stderr}`);
        }
        auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${file}\n`;
      } else if (o.token) {
        const bundle = join(dir, 'token-ca.pem');
        await writeFile(bundle, o.token.certPem);
        auth = `auth:\n  token:\n    realm: ${o.token.realm}\n    service: ${o.token.service}\n    issuer: ${o.token.issuer}\n    rootcertbundle: ${bundle}\n`;
      }
      const config = [
        'version: 0.1',
        'log:\n  level: info\n  accesslog:\n    disabled: false',
        `storage:\n  filesystem:\n    rootdirectory: ${r.storage}\n  delete:\n    enabled: true`,
        `http:\n  addr: 127.0.0.1:${r.port}\n  secret: berth-test-secret`,
        auth,
      ].join('\n');
      await writeFile(join(dir, 'config.yml'), config);
      await r.launch();
      return r;
    } catch (err) {
      await r.stop();
      throw err;
    }
  }

  private async launch(): Promise<void> {
    const proc = spawn('/usr/bin/docker-registry', ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`docker-registry exited with ${proc.exitCode}:\n${this.log}`);
      const ok = await fetch(`http://${this.host}/v2/`).then((res) => res.status === 200 || res.status === 401, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer on ${this.host}:\n${this.log}`);
  }

  /** How many GETs of this blob the registry has served so far (from its access log). */
  blobGets(digest: string): number {
    return this.log.split('\n').filter((l) => l.includes(`"GET /v2/`) && l.includes(`/blobs/${digest}`)).length;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
