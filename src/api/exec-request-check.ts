import { InvalidArgument } from '../common/errors.js';
import { checkConsoleSize } from './container-create-check.js';
import { parseDetachKeys } from './detach-keys.js';
import { checkShape, strings, type Shape } from './json-shape.js';

/** swagger 1.43 ContainerExec body. */
const execCreateShape: Shape = {
  object: {
    AttachStdin: 'boolean', AttachStdout: 'boolean', AttachStderr: 'boolean', ConsoleSize: { array: 'integer' }, DetachKeys: 'string',
    Tty: 'boolean', Env: strings, Cmd: strings, Privileged: 'boolean', User: 'string', WorkingDir: 'string',
  },
};

/** swagger 1.43 ExecStart body. */
const execStartShape: Shape = { object: { Detach: 'boolean', Tty: 'boolean', ConsoleSize: { array: 'integer' } } };

/** Checks POST /containers/{id}/exec before the exec is created. */
export function checkExecCreate(body: unknown): void {
  checkShape(body, execCreateShape, '');
  const b = body as Record<string, unknown>;
  checkConsoleSize(b.ConsoleSize);
  if (typeof b.DetachKeys === 'string' && b.DetachKeys) {
    try {
      parseDetachKeys(b.DetachKeys);
    } catch {
      throw new InvalidArgument(`Invalid escape keys (${b.DetachKeys}) provided`);
    }
  }
}

/** Checks POST /exec/{id}/start before the exec starts. */
export function checkExecStart(body: unknown): void {
  checkShape(body, execStartShape, '');
  checkConsoleSize((body as Record<string, unknown>).ConsoleSize);
}
