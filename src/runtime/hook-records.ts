import type { OciHook, OciHooks } from '../oci/runtime-spec.js';
import { HookStage, PlanOp } from './plan-codes.js';
import type { RecordWriter } from './record-writer.js';

/** What a hook reads on its stdin besides the pid and status: the container's state (runtime-spec "state"). */
export interface HookStateBase {
  ociVersion: string;
  id: string;
  bundle: string;
  annotations?: Record<string, string>;
}

/** The hooks the plan carries out (poststart and poststop are run by `start` and `delete`). */
const planStages: [keyof OciHooks, number, string][] = [
  ['prestart', HookStage.BP_HOOK_PRESTART, 'creating'],
  ['createRuntime', HookStage.BP_HOOK_CREATE_RUNTIME, 'creating'],
  ['createContainer', HookStage.BP_HOOK_CREATE_CONTAINER, 'creating'],
  ['startContainer', HookStage.BP_HOOK_START_CONTAINER, 'created'],
];

/** The state JSON with a marker where the pid goes, split there: the C side writes before, pid, after. */
const PID_MARK = 987654321012345;

export function stateJson(base: HookStateBase, status: string, pid?: number): string {
  return JSON.stringify({
    ociVersion: base.ociVersion, id: base.id, status, ...(pid !== undefined ? { pid } : {}), bundle: base.bundle,
    ...(base.annotations && Object.keys(base.annotations).length ? { annotations: base.annotations } : {}),
  });
}

/** argv of a hook: its args, or its path alone when it has none (as runc, through Go's exec.Cmd). */
export function hookArgv(h: OciHook): string[] {
  return h.args && h.args.length > 0 ? h.args : [h.path];
}

/**
 * The hooks of the plan's stages as data records (BP_HOOK, BP_HOOK_STATE); which of the stages
 * have any is returned, for the caller to place BP_HOOKS_PARENT and BP_HOOKS_RUN where runc runs
 * them.
 */
export function hookRecords(w: RecordWriter, hooks: OciHooks | undefined, base: HookStateBase): Set<number> {
  const present = new Set<number>();
  for (const [name, stage, status] of planStages) {
    const list = hooks?.[name] ?? [];
    if (list.length === 0) continue;
    present.add(stage);
    const [before, after] = stateJson(base, status, PID_MARK).split(String(PID_MARK));
    w.record(PlanOp.BP_HOOK_STATE, { u32: stage }, before!, after!);
    for (const h of list) {
      const argv = hookArgv(h);
      const env = h.env ?? [];
      w.record(PlanOp.BP_HOOK, { u32: stage }, { u32: Math.round((h.timeout ?? 0) * 1000) }, { u32: argv.length }, h.path, ...argv, ...env);
    }
  }
  return present;
}

/** The stage's name as the config spells it, from its code. */
export function hookStageName(stage: number): keyof OciHooks | undefined {
  return planStages.find(([, s]) => s === stage)?.[0];
}
