/** A build that failed after it began: the message goes into the stream with its code. */
export class BuildError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}
