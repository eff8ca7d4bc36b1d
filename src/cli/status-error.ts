/**
 * Ends the command with an exit status. `message` (if any) goes to stderr as is; commands build
 * docker's exact wording before throwing.
 */
export class StatusError extends Error {
  readonly status: number;

  constructor(status: number, message = '') {
    super(message);
    this.name = 'StatusError';
    this.status = status;
  }
}
