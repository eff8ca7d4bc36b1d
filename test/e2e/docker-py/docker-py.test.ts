import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../../kit/paths.js';
import { run } from '../../kit/run.js';
import { TestDaemon } from '../../kit/test-daemon.js';

describe('docker-py against berthd', () => {
  let d: TestDaemon;
  let lines: string[] = [];
  before(async () => {
    d = await TestDaemon.start();
    // Debian's python3 (where python3-docker lives), not another on PATH.
    const r = await run('/usr/bin/python3', [join(repoRoot, 'test/e2e/docker-py/docker_py_checks.py'), d.host], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    lines = r.stdout.trim().split('\n');
  });
  after(async () => {
    await d?.cleanup();
  });

  for (const name of ['version', 'run_output', 'run_exit_code', 'detached_logs_exec_stop', 'attach_socket_stdin', 'not_found', 'images']) {
    test(name, () => {
      const line = lines.find((l) => l.split(' ')[1]?.replace(/:$/, '') === name);
      assert.equal(line, `ok ${name}`);
    });
  }
});
