import { after, before } from 'node:test';
import { TestDaemon } from './test-daemon.js';

/**
 * A berthd for the enclosing describe: started before its tests (handed to `set`, then to
 * `setup` if given) and cleaned up after them, even when they fail.
 */
export function daemonPerSuite(set: (d: TestDaemon) => void, setup?: (d: TestDaemon) => void | Promise<void>): void {
  let daemon: TestDaemon | undefined;
  before(async () => {
    daemon = await TestDaemon.start();
    set(daemon);
    await setup?.(daemon);
  });
  after(async () => {
    await daemon?.cleanup();
  });
}
