import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { JsonMessageError } from '../../client/read-json-messages.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { collect } from '../options/collect.js';
import { StatusError } from '../status-error.js';
import { contextTar } from './context-tar.js';

interface BuildFlags {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  label?: string[];
  target?: string;
  cache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  rm?: string;
  forceRm?: boolean;
  iidfile?: string;
  network?: string;
}

/** `--build-arg K=V`, or `--build-arg K` to take K from the environment (left out when unset). */
function buildArgs(list: string[], env: NodeJS.ProcessEnv): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq >= 0) out[a.slice(0, eq)] = a.slice(eq + 1);
    else if (env[a] !== undefined) out[a] = env[a]!;
  }
  return out;
}

/** `berth build [OPTIONS] PATH`: the classic builder, as `DOCKER_BUILDKIT=0 docker build`. */
export function buildCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'build', description: 'Build an image from a Dockerfile', usage: '[OPTIONS] PATH' })
    .option('-t, --tag <list>', "Name and optionally a tag in the 'name:tag' format", collect)
    .option('-f, --file <string>', "Name of the Dockerfile (Default is 'PATH/Dockerfile')")
    .option('--build-arg <list>', 'Set build-time variables', collect)
    .option('--label <list>', 'Set metadata for an image', collect)
    .option('--target <string>', 'Set the target build stage to build.')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--rm <bool>', 'Remove intermediate containers after a successful build', 'true')
    .option('--force-rm', 'Always remove intermediate containers')
    .option('--iidfile <string>', 'Write the image ID to the file')
    .option('--network <string>', 'Set the networking mode for the RUN instructions during build');
  return onAction<BuildFlags>(cmd, ctx, { args: { exact: 1 }, run: async ([path], o) => {
    if (path === '-' || /^(https?|git):\/\//.test(path!)) throw new StatusError(1, 'berth build takes a directory as its context\n');
    const dir = resolve(path!);
    let dockerfile: string | undefined;
    let extraFile: { name: string; content: Buffer } | undefined;
    if (o.file) {
      const file = resolve(o.file);
      const rel = relative(dir, file);
      if (rel.startsWith('..')) {
        const content = await readFile(file).catch(() => {
          throw new StatusError(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${file}: no such file or directory\n`);
        });
        extraFile = { name: `.dockerfile.${randomBytes(10).toString('hex')}`, content };
        dockerfile = extraFile.name;
      } else {
        dockerfile = rel;
      }
    }
    const labels = Object.fromEntries((o.label ?? []).map((l) => [l.split('=')[0]!, l.includes('=') ? l.slice(l.indexOf('=') + 1) : '']));
    const messages = ctx.client.images.build(contextTar(dir, extraFile ? { extraFile } : {}), {
      tags: o.tag ?? [], ...(dockerfile ? { dockerfile } : {}), buildArgs: buildArgs(o.buildArg ?? [], ctx.env), labels,
      ...(o.target ? { target: o.target } : {}), noCache: o.cache === false, pull: o.pull === true, quiet: o.quiet === true,
      rm: o.rm !== 'false', forceRm: o.forceRm === true, ...(o.network ? { networkMode: o.network } : {}),
    });
    let id = '';
    try {
      for await (const m of messages) {
        const aux = m.aux as { ID?: string } | undefined;
        if (aux?.ID) id = aux.ID;
        else if (m.stream !== undefined && !o.quiet) ctx.streams.stdout.write(m.stream);
      }
    } catch (err) {
      if (err instanceof JsonMessageError) throw new StatusError(err.code || 1, `${err.message}\n`);
      throw err;
    }
    if (o.quiet) ctx.streams.stdout.write(`${id}\n`);
    if (o.iidfile) await writeFile(o.iidfile, id);
  } });
}
