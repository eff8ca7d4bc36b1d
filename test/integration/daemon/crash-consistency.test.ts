import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

describe('berthd killed in the middle of starting containers', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  for (const delayMs of [5, 25, 60]) {
    test(`restarts consistent when killed ${delayMs} ms into a burst of runs`, async () => {
      const runs = Array.from({ length: 6 }, (_, i) => d.docker(['run', '-d', '--name', `burst${delayMs}-${i}`, 'busybox', 'sleep', '300']).catch(() => undefined));
      await new Promise((r) => setTimeout(r, delayMs));
      await d.kill9();
      await Promise.all(runs);
      await d.restart();

      const list = (await d.api('GET', '/containers/json?all=1')).json as { Id: string; Names: string[]; State: string }[];
      for (const c of list) {
        const inspect = (await d.api('GET', `/containers/${c.Id}/json`)).json as { State: { Running: boolean; Pid: number } };
        const socket = join(d.execRoot, 's', `${c.Id.slice(0, 32)}.sock`);
        if (inspect.State.Running) {
          assert.ok(inspect.State.Pid > 0 && existsSync(`/proc/${inspect.State.Pid}`), `${c.Names[0]} is running and its process exists`);
          assert.ok(existsSync(socket), `${c.Names[0]} has its shim`);
        } else {
          assert.ok(!existsSync(socket), `${c.Names[0]} is not running and has no shim (${c.State})`);
        }
      }
      // Every writable snapshot belongs to a container.
      const active = existsSync(join(d.dataRoot, 'snapshots/active')) ? readdirSync(join(d.dataRoot, 'snapshots/active')) : [];
      for (const key of active) assert.ok(list.some((c) => key.startsWith(c.Id)), `snapshot ${key} belongs to a container`);
      // Everything can be removed, and nothing is left running.
      for (const c of list) assert.equal((await d.api('DELETE', `/containers/${c.Id}?force=1`)).status, 204);
      assert.equal(((await d.api('GET', '/containers/json?all=1')).json as unknown[]).length, 0);
    });
  }
});
