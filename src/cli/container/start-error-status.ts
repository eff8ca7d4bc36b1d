/**
 * docker's runStartContainerErr: a start failure exits 127 when the command was not found,
 * 126 when it could not be run, 125 otherwise.
 */
export function startErrorStatus(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}
