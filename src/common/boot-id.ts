import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * This boot of the kernel. Data written but not yet flushed survives a restart of the daemon
 * within one boot (the page cache keeps it) but not a power loss, which always means a new boot.
 */
export function bootId(): string {
  cached ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cached;
}
