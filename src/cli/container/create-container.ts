import type { ContainerCreateResponse } from '../../api/types/index.js';
import { ApiError } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import { familiarString, parseImageReference, withDefaultTag } from '../image/image-reference.js';
import { printJsonMessages } from '../image/print-json-messages.js';
import type { CreateRequest } from './create-request.js';

/**
 * Create the container as docker's run/create do: pull first with `--pull always`; when the
 * daemon lacks the image and `--pull missing`, say so, pull through the daemon and retry once.
 * Warnings from the daemon go to stderr.
 */
export async function createContainer(ctx: CliContext, request: CreateRequest, options: { pull?: string | undefined } = {}): Promise<ContainerCreateResponse> {
  const pull = options.pull ?? 'missing';
  const image = request.body.Image ?? '';
  const create = () => ctx.client.containers.create(request.body, { name: request.name, platform: request.platform });
  if (pull === 'always') await pullImage(ctx, image, request.platform);
  let created: ContainerCreateResponse;
  try {
    created = await create();
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404 || !/no such image/i.test(err.daemonMessage) || pull === 'never') throw err;
    ctx.err(`Unable to find image '${displayName(image)}' locally\n`);
    await pullImage(ctx, image, request.platform);
    created = await create();
  }
  for (const warning of created.Warnings ?? []) ctx.err(`WARNING: ${warning}\n`);
  return created;
}

async function pullImage(ctx: CliContext, image: string, platform: string | undefined): Promise<void> {
  const ref = withDefaultTag(parseImageReference(image));
  const from = `${ref.domain}/${ref.path}`;
  await printJsonMessages(ctx.client.images.pull(from, { tag: ref.digest ?? ref.tag, platform }), ctx.streams.stderr);
}

function displayName(image: string): string {
  try {
    return familiarString(withDefaultTag(parseImageReference(image)));
  } catch {
    return image;
  }
}
