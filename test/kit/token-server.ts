import { createHash, createSign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** libtrust's key id: base32 of the first 240 bits of sha256(DER SubjectPublicKeyInfo), in groups of 4. */
function libtrustKeyId(spkiDer: Buffer): string {
  const sum = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of sum) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

/**
 * A Docker token server (docker-registry-auth token.md) for tests: `GET /token?service=&scope=`
 * with Basic credentials of its one user answers a JWT (RS256, signed with a key whose self-signed
 * certificate the registry trusts) granting the scopes asked; anonymous callers get no access.
 */
export class TokenServer {
  readonly service = 'berth-test-registry';
  readonly issuer = 'berth-test-issuer';
  requests = 0;

  private constructor(private readonly server: Server, readonly port: number, readonly certPem: string, private readonly dir: string) {}

  get realm(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  static async start(user: string, password: string): Promise<TokenServer> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-token-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const r = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=berth-test-token']);
    if (r.code !== 0) throw new Error(`openssl: ${r.stderr}`);
    const spki = await run('sh', ['-c', `openssl x509 -in '${cert}' -pubkey -noout | openssl pkey -pubin -outform DER | base64 -w0`]);
    const kid = libtrustKeyId(Buffer.from(spki.stdout.trim(), 'base64'));
    const keyPem = await readFile(key, 'utf8');
    const certPem = await readFile(cert, 'utf8');
    let self!: TokenServer;
    const server = createServer((req, res) => {
      self.requests++;
      const url = new URL(req.url ?? '/', 'http://x');
      const auth = req.headers.authorization ?? '';
      const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
      const authed = basic === `${user}:${password}`;
      if (basic && !authed) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] }));
        return;
      }
      const access = authed
        ? url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).map((s) => {
          const [type, ...rest] = s.split(':');
          const actions = rest.pop() ?? '';
          return { type, name: rest.join(':'), actions: actions.split(',').filter(Boolean) };
        })
        : [];
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
      const claims = b64url(JSON.stringify({
        iss: self.issuer, sub: authed ? user : '', aud: url.searchParams.get('service') ?? self.service,
        exp: now + 300, nbf: now - 10, iat: now, jti: `${now}-${self.requests}`, access,
      }));
      const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(keyPem);
      const token = `${header}.${claims}.${b64url(signature)}`;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    self = new TokenServer(server, (server.address() as { port: number }).port, certPem, dir);
    return self;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
