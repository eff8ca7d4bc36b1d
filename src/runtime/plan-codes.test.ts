import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  FilterAction, FilterCmp, FilterConst, FilterRec, HookStage, PlanConst, PlanOp, PlanSyscall, ReportKind, ShimMsg, ShimRec,
} from './plan-codes.js';

const header = readFileSync(fileURLToPath(new URL('../../../native/include/berth-plan.h', import.meta.url)), 'utf8');

/** The enumerators of `enum name { ... }` with their values, as C assigns them. */
function cEnum(name: string): Record<string, number> {
  const m = new RegExp(`enum ${name} \\{([\\s\\S]*?)\\};`).exec(header);
  assert.ok(m, `enum ${name} is in berth-plan.h`);
  const body = m[1]!.replace(/\/\*[\s\S]*?\*\//g, '');
  const out: Record<string, number> = {};
  let cur = -1;
  for (const item of body.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = item.split('=').map((s) => s.trim());
    cur = v === undefined ? cur + 1 : Number(v);
    out[k!] = cur;
  }
  return out;
}

test('plan codes mirror every enum of berth-plan.h', () => {
  assert.deepEqual({ ...PlanOp }, cEnum('bp_op'));
  assert.deepEqual({ ...PlanSyscall }, cEnum('bp_syscall'));
  assert.deepEqual({ ...HookStage }, cEnum('bp_hook_stage'));
  assert.deepEqual({ ...ReportKind }, cEnum('bp_report_kind'));
  assert.deepEqual({ ...ShimRec }, cEnum('bp_shim_rec'));
  assert.deepEqual({ ...ShimMsg }, cEnum('bp_shim_msg'));
  assert.deepEqual({ ...FilterRec }, cEnum('bp_filter_rec'));
  assert.deepEqual({ ...FilterAction }, cEnum('bp_filter_action'));
  assert.deepEqual({ ...FilterCmp }, cEnum('bp_filter_cmp'));
});

test('plan constants mirror the #defines of berth-plan.h', () => {
  const defines: Record<string, number> = {};
  for (const m of header.matchAll(/#define (B[PSM]_\w+) \(?(\d+)u?(?: << (\d+))?\)?/g)) {
    defines[m[1]!] = Number(m[2]) * 2 ** Number(m[3] ?? 0);
  }
  assert.deepEqual({ ...PlanConst }, defines);
});

test('seccomp filter constants mirror the BF_ #defines of berth-plan.h', () => {
  const defines: Record<string, number> = {};
  for (const m of header.matchAll(/#define (BF_\w+) (\d+)u?/g)) defines[m[1]!] = Number(m[2]);
  assert.deepEqual({ ...FilterConst }, defines);
});
