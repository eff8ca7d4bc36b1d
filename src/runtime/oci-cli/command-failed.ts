import { BerthError, messageOf } from '../../common/errors.js';

/** A verb's failure as runc words it (`runc run failed: …`), with the exit status it gives. */
export class CommandFailed extends BerthError {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Prefixes any error: runc puts "<verb> failed: " before everything create, run and exec report. */
  static wrap(prefix: string, err: unknown, opts: { exitCode?: number } = {}): CommandFailed {
    return new CommandFailed(`${prefix}: ${messageOf(err)}`, opts.exitCode ?? 1, { cause: err });
  }
}
