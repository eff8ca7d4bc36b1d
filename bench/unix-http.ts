import { Agent, request } from 'node:http';

export interface Timed {
  status: number;
  body: string;
  ms: number;
}

/** HTTP over a UNIX socket with one kept-alive connection, timing each request to its last byte. */
export class UnixHttp {
  private agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly socketPath: string) {}

  get(path: string): Promise<Timed> {
    return new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = request({ socketPath: this.socketPath, path, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: Number(process.hrtime.bigint() - start) / 1e6 }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
