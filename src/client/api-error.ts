/**
 * A non-2xx reply. `message` reads like the docker client's ("Error response from daemon: …");
 * `daemonMessage` is the daemon's own text.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly daemonMessage: string;

  constructor(status: number, daemonMessage: string) {
    super(`Error response from daemon: ${daemonMessage}`);
    this.name = 'ApiError';
    this.status = status;
    this.daemonMessage = daemonMessage;
  }

  isNotFound(): boolean {
    return this.status === 404;
  }
}

/** The daemon socket refused the connection or does not exist. */
export class DaemonUnreachable extends Error {
  readonly hostUrl: string;

  constructor(hostUrl: string, options?: { cause?: unknown }) {
    super(`Cannot connect to the Docker daemon at ${hostUrl}. Is the docker daemon running?`, options);
    this.name = 'DaemonUnreachable';
    this.hostUrl = hostUrl;
  }
}

/** Build the error for a reply body: moby answers `{"message": …}`, proxies may answer text. */
export function apiErrorFromBody(status: number, body: string): ApiError {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') return new ApiError(status, parsed.message);
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  if (text === '') return new ApiError(status, `${status} ${statusText(status)}`);
  return new ApiError(status, text);
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
    409: 'Conflict', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
  };
  return texts[status] ?? 'Error';
}
