import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { run } from './run.js';

export interface BaseImageTars {
  busybox: string;
  helloWorld: string;
}

let built: Promise<BaseImageTars> | undefined;

/** Builds (once per run, cached on disk across runs) the base image tars with the project's own script. */
export function baseImageTars(): Promise<BaseImageTars> {
  built ??= (async () => {
    const r = await run(join(repoRoot, 'scripts/base-images/build.sh'), ['--no-load'], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`building the base images failed: ${r.stderr}`);
    const paths = r.stdout.trim().split('\n');
    const busybox = paths.find((p) => p.includes('busybox'));
    const helloWorld = paths.find((p) => p.includes('hello'));
    if (!busybox || !helloWorld) throw new Error(`unexpected output of build.sh --no-load: ${r.stdout}`);
    return { busybox, helloWorld };
  })();
  return built;
}

/** Imports a filesystem tar through the Engine API, as `docker import` does. */
export async function importTar(socketPath: string, tar: string, repo: string, tag: string, changes: string[]): Promise<string> {
  const body = await readFile(tar);
  const q = new URLSearchParams({ fromSrc: '-', repo, tag });
  for (const c of changes) q.append('changes', c);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path: `/v1.45/images/create?${q}`, headers: { 'Content-Length': body.length } }, (res) => {
      let out = '';
      res.on('data', (d: Buffer) => (out += d.toString()));
      res.on('end', () => (res.statusCode === 200 && !out.includes('errorDetail') ? resolve(out) : reject(new Error(`import failed: ${res.statusCode} ${out}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Loads busybox:latest and hello-world:latest into a daemon. */
export async function loadBaseImages(socketPath: string): Promise<void> {
  const tars = await baseImageTars();
  await importTar(socketPath, tars.busybox, 'busybox', 'latest', ['CMD ["sh"]', PATH_ENV]);
  await importTar(socketPath, tars.helloWorld, 'hello-world', 'latest', ['CMD ["/hello"]', PATH_ENV]);
}
