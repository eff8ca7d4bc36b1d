import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import type { Logger } from '../common/log.js';
import { messageOf } from '../common/errors.js';
import { ipBatch } from './run-tool.js';

/** An address on the default bridge, held for a spare namespace. */
export interface PoolLease {
  ip: string;
  mac: string;
  prefix: number;
  gateway: string;
}

/**
 * A network namespace made ahead of time for the default bridge: loopback up, eth0 up with its
 * address and default route, the host end of its veth on the bridge.
 */
export interface PooledNetns extends PoolLease {
  netns: string;
  hostVeth: string;
  ifname: string;
}

/**
 * Whether /run/netns/<name> still holds its namespace. /run/netns is a shared mount: an unmount
 * that propagates into it (a container whose root was made rshared, unmounting its old root)
 * leaves an empty file of mode 0 in place of the namespace (nsfs shows mode 0444).
 */
function isMountedNetns(name: string): boolean {
  try {
    return (statSync(`/run/netns/${name}`).mode & 0o444) !== 0;
  } catch {
    return false;
  }
}

export function hostVethName(): string {
  return `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
}

/**
 * Namespaces ready for the next containers. Making a namespace and a veth pair costs the kernel
 * several milliseconds (and two processes); a start that takes one from here only gives the
 * inside end its address (one process). Refilled in the background, one at a time; a start that
 * finds the pool empty makes its own.
 */
export class NetnsPool {
  private ready: PooledNetns[] = [];
  /** The one being made: it is not an orphan either. */
  private making: PooledNetns | undefined;
  private filling = false;
  private stopped = false;

  constructor(private readonly o: {
    prefix: string;
    bridge: string;
    size: number;
    /** An address of the default bridge that no endpoint and no spare has (throws when there is none). */
    lease: () => PoolLease;
    log: Logger;
  }) {}

  /** The addresses the spares hold: IPAM hands them to no one else. */
  ips(): string[] {
    return [...this.ready, ...(this.making ? [this.making] : [])].map((p) => p.ip);
  }

  /** Names of the pooled namespaces (they belong to no container). */
  has(netns: string): boolean {
    return this.making?.netns === netns || this.ready.some((p) => p.netns === netns);
  }

  hasVeth(name: string): boolean {
    return this.making?.hostVeth === name || this.ready.some((p) => p.hostVeth === name);
  }

  take(): PooledNetns | undefined {
    let p = this.ready.shift();
    while (p && !isMountedNetns(p.netns)) {
      this.o.log.warn('a spare network namespace lost its mount: dropped', { netns: p.netns });
      void ipBatch([`netns del ${p.netns}`], { force: true }).catch(() => {});
      p = this.ready.shift();
    }
    // Shortly after: the spare's making would compete for the kernel's network lock with this start.
    setTimeout(() => this.refill(), 20).unref();
    return p;
  }

  refill(): void {
    if (this.filling || this.stopped || this.ready.length >= this.o.size) return;
    this.filling = true;
    void this.make()
      .then((p) => {
        if (this.stopped) return ipBatch([`netns del ${p.netns}`], { force: true }).then(() => {});
        this.ready.push(p);
      })
      .catch((err: unknown) => {
        this.o.log.warn('making a spare network namespace failed', { error: messageOf(err) });
        this.stopped = true; // do not spin on a broken host; starts make their own
      })
      .finally(() => {
        this.filling = false;
        this.refill();
      });
  }

  private async make(): Promise<PooledNetns> {
    const p: PooledNetns = { netns: `${this.o.prefix}p${randomBytes(5).toString('hex')}`, hostVeth: hostVethName(), ifname: 'eth0', ...this.o.lease() };
    this.making = p;
    try {
      await ipBatch([
        `netns add ${p.netns}`,
        `link add ${p.hostVeth} type veth peer name ${p.ifname} address ${p.mac} netns ${p.netns}`,
        `link set ${p.hostVeth} master ${this.o.bridge} up`,
        `link set ${p.hostVeth} type bridge_slave hairpin on`,
      ]);
      await ipBatch([
        'link set lo up', `addr add ${p.ip}/${p.prefix} dev ${p.ifname}`, `link set ${p.ifname} up`,
        `route replace default via ${p.gateway} dev ${p.ifname}`,
      ], { netns: p.netns });
    } catch (err) {
      if (existsSync(`/run/netns/${p.netns}`)) await ipBatch([`netns del ${p.netns}`], { force: true }).catch(() => {});
      throw err;
    } finally {
      this.making = undefined;
    }
    return p;
  }

  /** Stops refilling and removes the spares (their veths go with their namespaces). */
  async drain(): Promise<void> {
    this.stopped = true;
    const all = this.ready.splice(0);
    await ipBatch(all.map((p) => `netns del ${p.netns}`), { force: true }).catch(() => {});
  }
}
