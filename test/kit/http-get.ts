import { request } from 'node:http';

export interface HttpReply {
  status: number;
  body: string;
}

/** GET http://127.0.0.1:PORT/ (5 s at most). */
export function httpGet(port: number): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

/** GETs until a server that is starting answers 200 (5 s at most); the last reply otherwise. */
export async function httpGetWhenUp(port: number): Promise<HttpReply> {
  let got: HttpReply = { status: 0, body: '' };
  for (let i = 0; i < 50 && got.status !== 200; i++) {
    got = await httpGet(port).catch(() => ({ status: 0, body: '' }));
    if (got.status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}
