import type { CliContext } from '../cli-context.js';
import { StatusError } from '../status-error.js';

export type ContainerOutcome = string | void | { notice: string };

/**
 * Run `each.run` on every named container at once, then report in argument order as docker does:
 * each success prints its line (the name as given, unless it returns another line, or a
 * notice for stderr that does not count as a failure), and the
 * failures are printed together at the end with exit status 1.
 */
export async function forEachContainer(ctx: CliContext, names: string[], each: { run: (name: string) => Promise<ContainerOutcome> }): Promise<number> {
  const results = await Promise.allSettled(names.map((name) => each.run(name)));
  const errors: string[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') {
      const value = result.value;
      if (typeof value === 'object') ctx.err(`${value.notice}\n`);
      else ctx.out(`${value ?? names[i]}\n`);
    }
    else errors.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
  });
  if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\n`);
  return 0;
}
