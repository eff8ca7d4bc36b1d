import { InvalidArgument, NotImplemented } from '../../common/errors.js';
import type { OciSeccomp } from '../../oci/runtime-spec.js';
import { FilterAction, FilterCmp, FilterConst, FilterRec } from '../plan-codes.js';
import { RecordWriter } from '../record-writer.js';

/**
 * The OCI seccomp section as berth-seccomp's input records (berth-plan.h, BF_*). Everything is
 * decided here, as runc decides it: names mapped, errnos defaulted, each syscall name its own rule,
 * rules that only repeat the default action dropped, conditions on the same argument split into
 * separate rules (runc's reading: several conditions on one argument are alternatives). The same
 * section always gives the same bytes, so they also serve as the cache key.
 */

const EPERM = 1;
const ENOSYS = 38;

const actions: Record<string, number> = {
  SCMP_ACT_KILL: FilterAction.BF_ACT_KILL_THREAD,
  SCMP_ACT_KILL_THREAD: FilterAction.BF_ACT_KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: FilterAction.BF_ACT_KILL_PROCESS,
  SCMP_ACT_TRAP: FilterAction.BF_ACT_TRAP,
  SCMP_ACT_ERRNO: FilterAction.BF_ACT_ERRNO,
  SCMP_ACT_TRACE: FilterAction.BF_ACT_TRACE,
  SCMP_ACT_LOG: FilterAction.BF_ACT_LOG,
  SCMP_ACT_ALLOW: FilterAction.BF_ACT_ALLOW,
};

const comparisons: Record<string, number> = {
  SCMP_CMP_NE: FilterCmp.BF_CMP_NE,
  SCMP_CMP_LT: FilterCmp.BF_CMP_LT,
  SCMP_CMP_LE: FilterCmp.BF_CMP_LE,
  SCMP_CMP_EQ: FilterCmp.BF_CMP_EQ,
  SCMP_CMP_GE: FilterCmp.BF_CMP_GE,
  SCMP_CMP_GT: FilterCmp.BF_CMP_GT,
  SCMP_CMP_MASKED_EQ: FilterCmp.BF_CMP_MASKED_EQ,
};

/** OCI architecture constants and libseccomp's names for them. */
const architectures: Record<string, string> = {
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_MIPS: 'mips',
  SCMP_ARCH_MIPS64: 'mips64',
  SCMP_ARCH_MIPS64N32: 'mips64n32',
  SCMP_ARCH_MIPSEL: 'mipsel',
  SCMP_ARCH_MIPSEL64: 'mipsel64',
  SCMP_ARCH_MIPSEL64N32: 'mipsel64n32',
  SCMP_ARCH_PPC: 'ppc',
  SCMP_ARCH_PPC64: 'ppc64',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_S390: 's390',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_PARISC: 'parisc',
  SCMP_ARCH_PARISC64: 'parisc64',
  SCMP_ARCH_RISCV64: 'riscv64',
  SCMP_ARCH_LOONGARCH64: 'loongarch64',
  SCMP_ARCH_M68K: 'm68k',
  SCMP_ARCH_SH: 'sh',
  SCMP_ARCH_SHEB: 'sheb',
};

const flags: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: FilterConst.BF_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_LOG: FilterConst.BF_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: FilterConst.BF_FLAG_SPEC_ALLOW,
};

/** Past this many rules libseccomp's binary tree beats a linear list (runc's threshold). */
const BINARY_TREE_FROM = 32;

interface Action {
  code: number;
  /** The errno of ERRNO, the message of TRACE, else 0. */
  value: number;
}

function action(name: string, errnoRet: number | undefined, where: string): Action {
  if (name === 'SCMP_ACT_NOTIFY') throw new NotImplemented(`${where}: SCMP_ACT_NOTIFY needs a seccomp agent, which berth does not support`);
  const code = actions[name];
  if (code === undefined) throw new InvalidArgument(`${where}: unknown seccomp action "${name}"`);
  const takesErrno = code === FilterAction.BF_ACT_ERRNO || code === FilterAction.BF_ACT_TRACE;
  if (errnoRet !== undefined && errnoRet !== null) {
    if (!takesErrno) throw new InvalidArgument(`${where}: seccomp action "${name}" does not take an errno (errnoRet ${errnoRet})`);
    if (!Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > 0xffff) throw new InvalidArgument(`${where}: invalid errnoRet ${errnoRet}`);
    return { code, value: errnoRet };
  }
  // runc's defaults: EPERM for both.
  return { code, value: takesErrno ? EPERM : 0 };
}

function u64(v: unknown, where: string): bigint {
  if (typeof v === 'bigint' && v >= 0n && v < 1n << 64n) return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  throw new InvalidArgument(`${where}: ${String(v)} is not an unsigned 64-bit value`);
}

function syscallName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !/^[a-z0-9_]+$/.test(name)) throw new InvalidArgument(`${where}: invalid syscall name ${JSON.stringify(name)}`);
  return name;
}

/** ERRNO(ENOSYS) already is what the stub would give; the allow-like defaults need none. */
function needsEnosysStub(def: Action): boolean {
  if (def.code === FilterAction.BF_ACT_ERRNO) return def.value !== ENOSYS;
  return def.code !== FilterAction.BF_ACT_ALLOW && def.code !== FilterAction.BF_ACT_LOG && def.code !== FilterAction.BF_ACT_TRACE;
}

/** The records berth-seccomp compiles; throws InvalidArgument (or NotImplemented) for what it cannot express. */
export function encodeSeccomp(oci: OciSeccomp): Buffer {
  if (!oci || typeof oci.defaultAction !== 'string') throw new InvalidArgument('linux.seccomp: defaultAction is required');
  const s = oci as OciSeccomp & { listenerPath?: string };
  if (s.listenerPath) throw new NotImplemented('linux.seccomp: listenerPath needs a seccomp agent, which berth does not support');
  const def = action(oci.defaultAction, oci.defaultErrnoRet, 'linux.seccomp.defaultAction');
  const w = new RecordWriter();
  w.record(FilterRec.BF_DEFAULT, { u32: def.code }, { u32: def.value });

  const arches = new Set<string>();
  for (const a of oci.architectures ?? []) {
    const name = architectures[a];
    if (!name) throw new InvalidArgument(`linux.seccomp.architectures: unknown architecture "${a}"`);
    arches.add(name);
  }
  for (const a of arches) w.record(FilterRec.BF_ARCH, a);

  let flagBits = 0;
  for (const f of oci.flags ?? []) {
    const bit = flags[f];
    if (bit === undefined) throw new InvalidArgument(`linux.seccomp.flags: unsupported flag "${f}"`);
    flagBits |= bit;
  }
  if (flagBits) w.record(FilterRec.BF_FLAGS, { u32: flagBits });

  const rules = new RecordWriter();
  let names = 0;
  (oci.syscalls ?? []).forEach((sc, i) => {
    const where = `linux.seccomp.syscalls[${i}]`;
    if (!Array.isArray(sc.names) || sc.names.length === 0) throw new InvalidArgument(`${where}: names must list at least one syscall`);
    const act = action(sc.action, sc.errnoRet, where);
    const conds = (sc.args ?? []).map((a, j) => {
      const at = `${where}.args[${j}]`;
      const op = comparisons[a.op];
      if (op === undefined) throw new InvalidArgument(`${at}: unknown seccomp operator "${a.op}"`);
      if (!Number.isInteger(a.index) || a.index < 0 || a.index >= FilterConst.BF_MAX_ARGS) {
        throw new InvalidArgument(`${at}: argument index ${a.index} is out of range (0 to ${FilterConst.BF_MAX_ARGS - 1})`);
      }
      return { index: a.index, op, value: u64(a.value, at), valueTwo: u64(a.valueTwo ?? 0, at) };
    });
    names += sc.names.length;
    // libseccomp refuses a rule whose action is the default one; it would change nothing anyway,
    // but the name still tells the ENOSYS stub how recent the profile is.
    if (act.code === def.code && act.value === def.value) {
      for (const name of sc.names) rules.record(FilterRec.BF_NAMED, syscallName(name, where));
      return;
    }
    const sameArgTwice = new Set(conds.map((c) => c.index)).size < conds.length;
    const groups = sameArgTwice ? conds.map((c) => [c]) : [conds];
    for (const name of sc.names) {
      for (const group of groups) {
        rules.record(FilterRec.BF_RULE, { u32: act.code }, { u32: act.value }, syscallName(name, where));
        for (const c of group) rules.record(FilterRec.BF_ARG, { u32: c.index }, { u32: c.op }, { u64: c.value }, { u64: c.valueTwo });
      }
    }
  });
  if (names > BINARY_TREE_FROM) w.record(FilterRec.BF_BINARY_TREE);
  if (needsEnosysStub(def)) w.record(FilterRec.BF_ENOSYS_STUB);
  return Buffer.concat([w.toBuffer(), rules.toBuffer()]);
}
