/**
 * What the runtime comparison tests share: a busybox root filesystem, bundles, the two runtimes
 * behind one calling convention, and cleanup that leaves no container, cgroup or process behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BERTH_RUNTIME = join(REPO_ROOT, 'bin/berth-runtime');
export const RUNC = '/usr/bin/runc';
export const HOST_BUSYBOX = '/bin/busybox';
export const PYTHON = '/usr/bin/python3';

/** Why the comparison cannot run here, or undefined when it can. */
export function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'runtime tests need root';
  if (!existsSync(RUNC)) return `no runc at ${RUNC}`;
  if (!existsSync(HOST_BUSYBOX)) return `no busybox at ${HOST_BUSYBOX} (apt-get install busybox-static)`;
  if (!existsSync(join(REPO_ROOT, 'native/build/berth-runner'))) return 'native/build/berth-runner is not built (make -C native)';
  return undefined;
}

export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'berth-rt-'));
}

/** A container id no other run of the tests uses. */
export function uniqueId(name: string): string {
  return `rtc-${process.pid}-${randomBytes(3).toString('hex')}-${name}`;
}

/**
 * A busybox tree as scripts/base-images/build.sh makes one: a copy of the host's static busybox
 * and a symlink per applet pointing at /bin/busybox inside the tree (the host's copy is never
 * written), plus passwd and group with root, nobody and a group that lists nobody as a member.
 */
export function makeBusyboxRootfs(dir: string): string {
  const root = join(dir, 'rootfs');
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'home', 'var']) {
    mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
  }
  copyFileSync(HOST_BUSYBOX, join(root, 'bin/busybox'));
  const list = spawnSync(HOST_BUSYBOX, ['--list-full'], { encoding: 'utf8' }).stdout;
  for (const applet of list.split('\n')) {
    if (!applet || applet === 'bin/busybox' || applet.startsWith('/') || applet.includes('..')) continue;
    const at = join(root, applet);
    if (existsSync(at)) continue;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync('/bin/busybox', at);
  }
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n', { mode: 0o644 });
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nwheel:x:10:nobody\nnobody:x:65534:\n', { mode: 0o644 });
  return root;
}

/** A bundle directory whose config is `config` (root.path as given: absolute, or relative to the bundle). */
export function makeBundle(dir: string, name: string, config: unknown): string {
  const bundle = join(dir, name);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
  return bundle;
}

export interface Runtime {
  name: 'berth-runtime' | 'runc';
  binary: string;
  /** Its state root, under the test's temporary directory. */
  root: string;
}

export function runtimes(dir: string): Runtime[] {
  return [
    { name: 'runc', binary: RUNC, root: join(dir, 'state-runc') },
    { name: 'berth-runtime', binary: BERTH_RUNTIME, root: join(dir, 'state-berth') },
  ];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `<runtime> --root R args...` to its exit. Its stdout and stderr are files, not pipes: a
 * detached container inherits them, and a pipe would stay open as long as the container lives.
 * Past the timeout the runtime is SIGKILLed (by pid) and the result says so.
 */
export async function runRuntime(
  rt: Runtime,
  args: string[],
  opts: { timeoutMs?: number; cwd?: string; globals?: string[] } = {},
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-rt-out-'));
  const outPath = join(dir, 'out');
  const errPath = join(dir, 'err');
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const child = spawn(rt.binary, ['--root', rt.root, ...(opts.globals ?? []), ...args], {
      stdio: ['ignore', out, err],
      cwd: opts.cwd ?? dir,
    });
    const timeout = opts.timeoutMs ?? 20_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, timeout);
    const code = await new Promise<number>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c, sig) => res(c ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
    });
    clearTimeout(timer);
    const stderr = readFileSync(errPath, 'utf8') + (timedOut ? `\n[killed after ${timeout} ms]` : '');
    return { code, stdout: readFileSync(outPath, 'utf8'), stderr };
  } finally {
    closeSync(out);
    closeSync(err);
    spawnSync('rm', ['-rf', dir]);
  }
}

/** The config `spec` writes (runc's default), read from a scratch bundle in `dir`. */
export async function defaultConfig(rt: Runtime, dir: string): Promise<Record<string, any>> {
  const scratch = mkdtempSync(join(dir, 'spec-'));
  const made = await runRuntime(rt, ['spec', '--bundle', scratch]);
  if (made.code !== 0) throw new Error(`${rt.name} spec failed: ${made.stderr}`);
  const config = JSON.parse(readFileSync(join(scratch, 'config.json'), 'utf8')) as Record<string, any>;
  spawnSync('rm', ['-rf', scratch]);
  return config;
}

/** `delete --force` for every id under both runtimes; what a test created is gone even when it failed. */
export async function deleteAll(rts: Runtime[], ids: Iterable<string>): Promise<void> {
  for (const id of ids) {
    for (const rt of rts) await runRuntime(rt, ['delete', '--force', id], { timeoutMs: 15_000 });
  }
}

/** The container's cgroup directories still on the host (there should be none after a delete). */
export function leftoverCgroups(id: string): string[] {
  const out = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-type', 'd', '-name', id], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean);
}

/** Sections of a probe's output: "== name" lines start them. */
export function probeSections(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of stdout.split('\n')) {
    const m = /^== (\S+)$/.exec(line);
    if (m) {
      cur = [];
      out.set(m[1]!, cur);
    } else if (cur && line !== '') {
      cur.push(line);
    }
  }
  return out;
}

/** Polls until `fn` holds or the time is up. */
export async function waitFor(fn: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return fn();
}
