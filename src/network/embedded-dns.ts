import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { Packet, Question } from 'dns-packet';
import type { Logger } from '../common/log.js';

/**
 * The addresses of a name as seen from the container at `client`: undefined when no container
 * answers to it, null when `client` is none of ours (refused).
 */
export type NameLookup = (client: string, name: string) => string[] | undefined | null;

type DnsCodec = typeof import('dns-packet');
/** Loaded with the first listening socket: a daemon without user-defined networks never needs it (3 MiB). */
let codec: DnsCodec | undefined;

const TTL = 600;
const FORWARD_TIMEOUT_MS = 4000;

/** The host's resolvers, as containers on the default bridge get them. */
function dns(): DnsCodec {
  if (!codec) throw new Error('embedded DNS: a message arrived before a socket listened');
  return codec;
}

function hostResolvers(): string[] {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8').split('\n').flatMap((l) => {
      const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(l);
      return m ? [m[1]!] : [];
    });
  } catch {
    return [];
  }
}

/**
 * Docker's embedded DNS for user-defined networks: berthd listens on each such network's gateway
 * (port 53, UDP) and answers the names of the containers on the asking container's networks,
 * their aliases and short ids. Other names go to the host's resolvers, as a container on the
 * default bridge would ask them.
 */
export class EmbeddedDns {
  private sockets = new Map<string, Socket>();

  constructor(private readonly lookup: NameLookup, private readonly log: Logger, private readonly upstreams: () => string[] = hostResolvers) {}

  async listen(ip: string): Promise<void> {
    if (this.sockets.has(ip)) return;
    codec ??= ((await import('dns-packet')) as { default: DnsCodec }).default;
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: ip, port: 53 }, () => {
        s.removeListener('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      s.close();
      throw err;
    });
    s.on('error', (err) => this.log.warn('embedded DNS socket error', { ip, error: err }));
    s.on('message', (msg, rinfo) => this.answer(s, msg, rinfo.address, rinfo.port));
    s.unref();
    this.sockets.set(ip, s);
  }

  close(ip: string): void {
    this.sockets.get(ip)?.close();
    this.sockets.delete(ip);
  }

  closeAll(): void {
    for (const ip of [...this.sockets.keys()]) this.close(ip);
  }

  private answer(s: Socket, msg: Buffer, client: string, port: number): void {
    let q: Packet;
    try {
      q = dns().decode(msg);
    } catch {
      return; // not DNS: nothing to answer
    }
    const question = q.questions?.[0];
    if (!question) return;
    const name = question.name.replace(/\.$/, '').toLowerCase();
    const ips = this.lookup(client, name);
    if (ips === null) {
      this.reply(s, q, question, 5 /* REFUSED */, client, port);
      return;
    }
    if (ips === undefined && name.includes('.')) {
      this.forward(s, msg, q, client, port);
      return;
    }
    if (ips === undefined) {
      // A single label no container answers to: no resolver beyond could know it either.
      this.reply(s, q, question, 3 /* NXDOMAIN */, client, port);
      return;
    }
    const answers = question.type === 'A'
      ? ips.map((ip) => ({ type: 'A' as const, name: question.name, ttl: TTL, class: 'IN' as const, data: ip }))
      : [];
    s.send(dns().encode({ id: q.id, type: 'response', flags: dns().RECURSION_DESIRED | dns().RECURSION_AVAILABLE | dns().AUTHORITATIVE_ANSWER, questions: [question], answers }), port, client);
  }

  private reply(s: Socket, q: Packet, question: Question, rcode: number, client: string, port: number): void {
    s.send(dns().encode({ id: q.id, type: 'response', flags: dns().RECURSION_DESIRED | dns().RECURSION_AVAILABLE | rcode, questions: [question], answers: [] }), port, client);
  }

  /** Asks the host's first resolver; SERVFAIL when there is none or it does not answer. */
  private forward(s: Socket, msg: Buffer, q: Packet, client: string, port: number): void {
    const upstream = this.upstreams()[0];
    const fail = () => {
      s.send(dns().encode({ id: q.id, type: 'response', flags: dns().RECURSION_DESIRED | dns().RECURSION_AVAILABLE | 2 /* SERVFAIL */, questions: q.questions ?? [], answers: [] }), port, client);
    };
    if (!upstream) {
      fail();
      return;
    }
    const out = createSocket('udp4');
    const timer = setTimeout(() => {
      out.close();
      fail();
    }, FORWARD_TIMEOUT_MS);
    out.on('error', () => {
      clearTimeout(timer);
      out.close();
      fail();
    });
    out.on('message', (reply) => {
      clearTimeout(timer);
      out.close();
      s.send(reply, port, client);
    });
    out.send(msg, 53, upstream);
  }
}
