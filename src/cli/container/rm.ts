import { ApiError } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { forEachContainer } from './for-each-container.js';

/** `berth rm [-f] [-v] [-l] CONTAINER...` */
export function rmCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'rm', description: 'Remove one or more containers', usage: '[OPTIONS] CONTAINER [CONTAINER...]' })
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .option('-l, --link', 'Remove the specified link');
  return onAction<{ force?: boolean; volumes?: boolean; link?: boolean }>(cmd, ctx, { args: { min: 1 }, run: (names, opts) =>
    forEachContainer(ctx, names, { run: (name) => {
      // docker skips empty names rather than asking the daemon to remove ""
      if (name.replace(/^\//, '') === '') return Promise.reject(new Error('Container name cannot be empty'));
      return ctx.client.containers.remove(name, opts).then(
        () => name,
        (err: unknown) => {
          // with --force a missing container is reported but does not fail the command
          if (opts.force && err instanceof ApiError && err.status === 404) return { notice: err.message };
          throw err;
        },
      );
    } }) });
}
