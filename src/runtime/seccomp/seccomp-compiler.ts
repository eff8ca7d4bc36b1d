import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { atomicWrite } from '../../common/atomic-write.js';
import { Internal, InvalidArgument, isNotFoundError } from '../../common/errors.js';
import type { OciSeccomp } from '../../oci/runtime-spec.js';
import { encodeSeccomp } from './encode-seccomp.js';

export const BERTH_SECCOMP = join(dirname(fileURLToPath(import.meta.url)), '../../../../native/build/berth-seccomp');

/** sizeof(struct sock_filter). */
const INSN = 8;
/** Distinct sections kept in memory: a daemon sees a handful (one per capability set and custom profile). */
const MEMORY_ENTRIES = 64;

export interface SeccompCompilerOptions {
  /** Where programs are kept across restarts (created on first use); in memory only without it. */
  cacheDir?: string;
  /** berth-seccomp (native/build/berth-seccomp by default). */
  binary?: string;
}

/**
 * Turns OCI seccomp sections into BPF programs (the payload of BP_SECCOMP), compiling each
 * distinct one once. A section is known by its JSON text: in memory, and on disk (when a directory
 * is given) under a hash of that text and of the compiler binary (which has libseccomp, and so the
 * syscall tables, linked in), so that a restarted daemon or the next berth-runtime command
 * compiles nothing compiled before, and finding a program costs no encoding. A file on disk holds
 * the text it was compiled from and is only used for the very same text: the hash needs no
 * strength, and node:crypto (5 ms to load) stays out of berth-runtime. Concurrent requests for one
 * section share one compilation.
 */
export class SeccompCompiler {
  private readonly memory = new Map<string, Promise<Buffer>>();
  private readonly binary: string;
  private identity: string | undefined;

  constructor(private readonly o: SeccompCompilerOptions = {}) {
    this.binary = o.binary ?? BERTH_SECCOMP;
  }

  /** The program for this section. Rejects with InvalidArgument when the section cannot be compiled. */
  compile(oci: OciSeccomp): Promise<Buffer> {
    const text = JSON.stringify(oci);
    let program = this.memory.get(text);
    if (program) {
      // Most recently used last: the oldest is evicted first.
      this.memory.delete(text);
      this.memory.set(text, program);
      return program;
    }
    program = this.fromDiskOrCompile(oci, text);
    this.memory.set(text, program);
    program.catch(() => this.memory.delete(text));
    if (this.memory.size > MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value!);
    return program;
  }

  /** The compiler's binary as it is now: a rebuilt one (or another libseccomp linked in) gets other keys. */
  private compilerIdentity(): string {
    if (this.identity === undefined) {
      let st;
      try {
        st = statSync(this.binary);
      } catch (err) {
        throw new Internal(`seccomp compiler "${this.binary}" is missing (make -C native)`, { cause: err });
      }
      this.identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    }
    return this.identity;
  }

  private async fromDiskOrCompile(oci: OciSeccomp, text: string): Promise<Buffer> {
    const identity = this.compilerIdentity();
    const path = this.o.cacheDir ? join(this.o.cacheDir, `${fnv1a64(`${identity}\n${text}`)}.seccomp`) : undefined;
    const source = Buffer.from(`${identity}\n${text}`);
    if (path) {
      const program = cachedProgram(path, source);
      if (program) return program;
    }
    const input = encodeSeccomp(oci);
    const { code, stdout, stderr } = await run(this.binary, [], input);
    const message = stderr.toString().trim().split('\n').filter((l) => l && !l.endsWith(': skipped')).map((l) => l.replace(/^berth-seccomp: /, '')).join('; ');
    if (code !== 0) throw new InvalidArgument(`compiling the seccomp profile: ${message || `berth-seccomp exited with ${code}`}`);
    if (stdout.length === 0 || stdout.length % INSN !== 0) throw new Internal(`berth-seccomp wrote ${stdout.length} bytes: not a BPF program`);
    if (path) {
      await mkdir(this.o.cacheDir!, { recursive: true, mode: 0o700 });
      // A cache: should it be lost in a crash, the next start compiles again.
      await atomicWrite(path, cacheFile(source, stdout), { mode: 0o600, sync: false });
    }
    return stdout;
  }
}

/** u32 source length | source (compiler identity, newline, the section's JSON) | program. */
function cacheFile(source: Buffer, program: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(source.length);
  return Buffer.concat([head, source, program]);
}

/**
 * The program of a cache file, when it was compiled by this compiler from this very section. Read
 * synchronously: a few KiB, once per section and process, and berth-runtime would otherwise wait
 * for libuv's thread pool to start.
 */
function cachedProgram(path: string, source: Buffer): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err;
  }
  if (file.length < 4 || file.readUInt32LE(0) !== source.length || !file.subarray(4, 4 + source.length).equals(source)) return undefined;
  const program = file.subarray(4 + source.length);
  return program.length > 0 && program.length % INSN === 0 ? program : undefined;
}

/** FNV-1a, twice 32 bits with different offsets: a file name, not a proof. */
function fnv1a64(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

function run(binary: string, args: string[], input: Buffer): Promise<{ code: number; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e) => reject(new Internal(`running ${binary}: ${e.message}`, { cause: e })));
    child.once('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 1 : 0), stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    // A compiler that died early closes its stdin: the error is in its exit status.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
