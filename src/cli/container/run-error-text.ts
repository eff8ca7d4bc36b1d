import { CLI_NAME, type BerthCommand } from '../berth-command.js';

/** docker's run/create error shape: "docker: <error>" plus a pointer to --help. */
export function runErrorText(cmd: BerthCommand, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `${CLI_NAME}: ${message}\n\nRun '${cmd.commandPath()} --help' for more information\n`;
}
