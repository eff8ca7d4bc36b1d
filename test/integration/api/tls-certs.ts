import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../kit/run.js';

/** PEM files of one identity. */
export interface CertFiles {
  cert: string;
  key: string;
}

export interface TestPki {
  /** The CA berthd trusts. */
  ca: string;
  /** berthd's certificate, for 127.0.0.1 and localhost. */
  server: CertFiles;
  /** A client certificate signed by `ca`. */
  client: CertFiles;
  /** A client certificate signed by another CA, which berthd does not trust. */
  stranger: CertFiles;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await run('openssl', args, { cwd });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** A self-signed CA (P-256, one day). */
async function makeCa(dir: string, name: string): Promise<CertFiles> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { cert, key };
}

/** A leaf certificate signed by `ca`, with the extensions a TLS server or client needs. */
async function makeLeaf(dir: string, name: string, ca: CertFiles, ext: string): Promise<CertFiles> {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, ext);
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], dir);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', extFile], dir);
  return { cert, key };
}

/** Makes a CA, a server certificate for 127.0.0.1, a client signed by the CA and one signed by another CA. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  const ca = await makeCa(dir, 'ca');
  const otherCa = await makeCa(dir, 'other-ca');
  const server = await makeLeaf(dir, 'server', ca, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  const client = await makeLeaf(dir, 'client', ca, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  const stranger = await makeLeaf(dir, 'stranger', otherCa, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  return { ca: ca.cert, server, client, stranger };
}
