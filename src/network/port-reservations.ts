import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { Conflict, errnoCode, messageOf } from '../common/errors.js';
import type { PortProtocol } from './network.js';

type Holder = Server | UdpSocket;

function key(proto: PortProtocol, hostIp: string, port: number): string {
  return `${proto}/${hostIp || '0.0.0.0'}:${port}`;
}

/**
 * Host ports held for published container ports. The kernel's DNAT rules carry the traffic (a
 * listener here never sees a packet: NAT happens before the socket lookup); the socket is held so
 * that nothing else can take the port, so that a taken port fails the start with the kernel's
 * own answer, and so that port 0 gets a free port from the kernel's ephemeral range. After a
 * daemon restart they are taken again for the containers that kept running (the rules, being
 * the kernel's, kept working meanwhile).
 */
export class PortReservations {
  private held = new Map<string, Holder>();

  /** Takes the port; returns the port number (a free one when `port` is 0). */
  async reserve(proto: PortProtocol, hostIp: string, port: number): Promise<number> {
    const ip = hostIp || '0.0.0.0';
    if (port && this.held.has(key(proto, ip, port))) throw new Conflict(`Bind for ${ip}:${port} failed: port is already allocated`);
    try {
      const bound = proto === 'tcp' ? await listenTcp(ip, port) : await bindUdp(ip, port);
      this.held.set(key(proto, ip, bound.port), bound.holder);
      return bound.port;
    } catch (err) {
      if (errnoCode(err) === 'EADDRINUSE') {
        throw new Conflict(`Error starting userland proxy: listen ${proto}4 ${ip}:${port}: bind: address already in use`, { cause: err });
      }
      throw new Conflict(`Error starting userland proxy: listen ${proto}4 ${ip}:${port}: ${messageOf(err)}`, { cause: err });
    }
  }

  release(proto: PortProtocol, hostIp: string, port: number): void {
    const k = key(proto, hostIp, port);
    const h = this.held.get(k);
    if (!h) return;
    this.held.delete(k);
    h.close();
  }

  closeAll(): void {
    for (const h of this.held.values()) h.close();
    this.held.clear();
  }
}

function listenTcp(host: string, port: number): Promise<{ holder: Holder; port: number }> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen({ host, port, exclusive: true }, () => {
      s.removeListener('error', reject);
      s.on('error', () => {});
      s.unref();
      const a = s.address();
      resolve({ holder: s, port: typeof a === 'object' && a ? a.port : port });
    });
  });
}

function bindUdp(host: string, port: number): Promise<{ holder: Holder; port: number }> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind({ address: host, port, exclusive: true }, () => {
      s.removeListener('error', reject);
      s.on('error', () => {});
      s.unref();
      resolve({ holder: s, port: s.address().port });
    });
  });
}
