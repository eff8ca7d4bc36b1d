import { resolve } from 'node:path';
import { Conflict, InvalidArgument, NotImplemented } from '../../common/errors.js';
import { compileExecPlan } from '../plan.js';
import { PlanOp } from '../plan-codes.js';
import { RecordWriter } from '../record-writer.js';
import { CommandFailed } from './command-failed.js';
import { consoleSocketFlag } from './create-flags.js';
import { containerDir, readRecord } from './container-record.js';
import { execSeccomp } from './container-seccomp.js';
import { containerStatus } from './container-status.js';
import { execProcess } from './exec-process.js';
import { forwardSignals } from './forward-signals.js';
import type { CommandContext, OciCommand } from './oci-command.js';
import type { ParsedFlags } from './parse-flags.js';
import { prepareProcess } from './prepare-process.js';
import { spawnRunner } from './spawn-runner.js';
import { writePidFile } from './write-pid-file.js';

async function execInContainer(ctx: CommandContext, [id, ...args]: string[], flags: ParsedFlags): Promise<number> {
  const root = ctx.global.root;
  const rec = readRecord(root, id!);
  const status = containerStatus(root, rec);
  if (status === 'stopped') throw new Conflict('cannot exec in a stopped container');
  if (status === 'paused' && !flags.bool('ignore-paused')) {
    throw new Conflict('cannot exec in a paused container (use --ignore-paused to override)');
  }
  if (status === 'creating') throw new Conflict('cannot exec in a container that is being created');
  const preserve = flags.string('preserve-fds');
  if (preserve !== undefined && Number(preserve) !== 0) throw new NotImplemented('--preserve-fds is not supported');
  if (flags.list('cgroup').length > 0) throw new NotImplemented('--cgroup is not supported: an exec joins the container\'s cgroups');
  const proc = prepareProcess(execProcess(rec.process, args, flags), rec.rootfs);
  const detach = flags.bool('detach');
  const socket = flags.string('console-socket');
  if (proc.terminal && !socket) {
    if (detach) throw new InvalidArgument('cannot allocate tty if berth-runtime will detach without setting console socket');
    throw new NotImplemented('berth-runtime cannot relay a terminal: pass --console-socket, or leave out -t');
  }
  // runc also refuses a console socket without --detach; berth-runner can send the pty and still wait.
  if (!proc.terminal && socket) throw new InvalidArgument('cannot use console socket if berth-runtime will not allocate tty');
  const head = new RecordWriter();
  if (socket) head.record(PlanOp.BP_CONSOLE, resolve(socket));
  const seccomp = execSeccomp(containerDir(root, rec.id));
  const plan = Buffer.concat([
    head.toBuffer(),
    compileExecPlan(proc, { initPid: rec.pid, namespaces: rec.namespaces, cgroupProcs: rec.cgroupProcs, ...(seccomp ? { seccomp } : {}) }),
  ]);
  const signals = detach ? undefined : forwardSignals();
  try {
    const runner = await spawnRunner(plan, { wait: !detach });
    const pidFile = flags.string('pid-file');
    if (pidFile) await writePidFile(pidFile, runner.pid);
    if (!signals) return 0;
    signals.attach(runner.child);
    return await runner.exited;
  } finally {
    signals?.stop();
  }
}

/** `exec [options] <id> <command> [args...]` or `exec -p process.json <id>`: run another process in a container. */
export const execCommand: OciCommand = {
  name: 'exec',
  usage: '<container-id> <command> [command options]  || -p process.json <container-id>',
  description: 'execute new process inside the container',
  flags: [
    consoleSocketFlag,
    { names: ['cwd'], kind: 'string', help: 'current working directory in the container' },
    { names: ['env', 'e'], kind: 'list', help: 'set environment variables' },
    { names: ['tty', 't'], kind: 'bool', help: 'allocate a pseudo-TTY' },
    { names: ['user', 'u'], kind: 'string', help: 'UID (format: <uid>[:<gid>])' },
    { names: ['additional-gids', 'g'], kind: 'list', help: 'additional gids' },
    { names: ['process', 'p'], kind: 'string', help: 'path to the process.json' },
    { names: ['detach', 'd'], kind: 'bool', help: 'detach from the container\'s process' },
    { names: ['pid-file'], kind: 'string', help: 'specify the file to write the process id to' },
    { names: ['process-label'], kind: 'string', help: 'accepted and ignored: no SELinux' },
    { names: ['apparmor'], kind: 'string', help: 'accepted and ignored: no AppArmor' },
    { names: ['no-new-privs'], kind: 'bool', help: 'set the no new privileges value for the process' },
    { names: ['cap', 'c'], kind: 'list', help: 'add a capability to the bounding set for the process' },
    { names: ['preserve-fds'], kind: 'string', help: 'not supported beyond 0' },
    { names: ['cgroup'], kind: 'list', help: 'not supported' },
    { names: ['ignore-paused'], kind: 'bool', help: 'allow exec in a paused container' },
  ],
  args: { min: 1, max: Infinity },
  interspersed: false,
  async run(ctx, args, flags) {
    try {
      return await execInContainer(ctx, args, flags);
    } catch (err) {
      // runc ends every exec failure with 255, so that it differs from any status of the process.
      throw CommandFailed.wrap('exec failed', err, { exitCode: 255 });
    }
  },
};
