/**
 * 40–41: `docker build` with the classic builder (DOCKER_BUILDKIT=0) of one 10-step Dockerfile
 * (four RUN, three COPY), berthd and Docker Engine side by side: cold (`--no-cache`, every step
 * runs: RUN steps start containers) and fully cached (every step a cache hit).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerCli, enginesOf, type BenchEnv } from './bench-env.js';
import { compareCli } from './compare-cli.js';
import { newRow, type Row } from './results-table.js';
import { mustRun, runCommand } from './timed-command.js';

const DOCKERFILE = [
  'FROM busybox',
  'ENV APP=/app',
  'WORKDIR /app',
  'COPY a.txt ./',
  'RUN echo one > one.txt',
  'COPY dir/ ./dir/',
  'RUN cat a.txt dir/* > all.txt',
  'RUN i=0; while [ $i -lt 100 ]; do echo $i > f$i; i=$((i+1)); done',
  'COPY b.txt ./',
  'RUN wc -c all.txt > size.txt',
  'CMD ["cat", "/app/all.txt"]',
].join('\n');

const TAG = 'bench-build:latest';

/** 40, 41. */
export async function measureBuild(env: BenchEnv): Promise<Row[]> {
  const ctx = join(env.berth.dir, 'build-context');
  await rm(ctx, { recursive: true, force: true });
  await mkdir(join(ctx, 'dir'), { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), `${DOCKERFILE}\n`);
  await writeFile(join(ctx, 'a.txt'), 'a\n'.repeat(1000));
  await writeFile(join(ctx, 'b.txt'), 'b\n');
  for (let i = 0; i < 20; i++) await writeFile(join(ctx, 'dir', `file${i}`), `${i}\n`.repeat(100));
  const previous = process.env.DOCKER_BUILDKIT;
  // The classic builder on both sides: the CLI reads this when it starts.
  process.env.DOCKER_BUILDKIT = '0';
  try {
    const cold = newRow('40', '`build --no-cache` of a 10-step Dockerfile (4 RUN, 3 COPY), classic builder', { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.5 }] });
    await compareCli(env, cold, { args: () => ['build', '-q', '--no-cache', '-t', TAG, ctx], warmup: 1, rounds: 10, timeoutMs: 120_000 });
    for (const e of enginesOf(env)) await mustRun(dockerCli(e, ['build', '-q', '-t', TAG, ctx]), { timeoutMs: 120_000 });
    const cached = newRow('41', 'the same `build`, every step cached', { unit: 'ms', goals: [{ kind: 'ratio-at-most', value: 0.6 }] });
    await compareCli(env, cached, { args: () => ['build', '-q', '-t', TAG, ctx], warmup: 2, rounds: 20, timeoutMs: 120_000 });
    return [cold, cached];
  } finally {
    if (previous === undefined) delete process.env.DOCKER_BUILDKIT;
    else process.env.DOCKER_BUILDKIT = previous;
    for (const e of enginesOf(env)) {
      await runCommand(dockerCli(e, ['rmi', '-f', TAG]));
      await runCommand(dockerCli(e, ['image', 'prune', '-f']));
      await runCommand(dockerCli(e, ['builder', 'prune', '-f']));
    }
    await rm(ctx, { recursive: true, force: true });
  }
}
