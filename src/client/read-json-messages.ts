import type { JSONMessage } from '../api/types/index.js';
import { readJsonStream } from './json-stream-splitter.js';

/** A JSON progress stream reported a failure in-band (`errorDetail` / `error`). */
export class JsonMessageError extends Error {
  readonly code: number | undefined;

  constructor(message: string, code?: number) {
    super(message);
    this.name = 'JsonMessageError';
    this.code = code;
  }
}

/**
 * Read the reply of pull, import, load, push or build: yields each message and throws
 * JsonMessageError at the first error message, as docker's jsonmessage.DisplayJSONMessagesStream
 * does.
 */
export async function* readJsonMessages(source: AsyncIterable<Buffer | string>): AsyncGenerator<JSONMessage> {
  for await (const message of readJsonStream<JSONMessage>(source)) {
    if (message.errorDetail) throw new JsonMessageError(message.errorDetail.message, message.errorDetail.code);
    if (message.error) throw new JsonMessageError(message.error);
    yield message;
  }
}
