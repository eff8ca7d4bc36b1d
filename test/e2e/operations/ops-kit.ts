import assert from 'node:assert/strict';
import type { TestDaemon } from '../../kit/test-daemon.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms until it holds; fails the test after `ms`. */
export async function until(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs a docker or berth command against the daemon and returns its stdout; a failure fails the test. */
export function okWith(d: () => TestDaemon, client: 'docker' | 'berth' = 'docker') {
  return async (args: string[], as: 'docker' | 'berth' = client): Promise<string> => {
    const r = await d()[as](args, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${as} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
}
