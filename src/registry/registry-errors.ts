/**
 * The errors registries answer (distribution spec "Error Codes": `{"errors":[{code, message,
 * detail}]}`), turned into Berth's classes with the texts the docker CLI shows.
 */
import type { IncomingMessage } from 'node:http';
import { BerthError, Forbidden, Internal, InvalidArgument, NotFound, Unauthorized, Unavailable } from '../common/errors.js';

export interface RegistryErrorItem {
  code?: string;
  message?: string;
}

const maxErrorBody = 64 * 1024;

export async function readErrorBody(res: IncomingMessage): Promise<string> {
  let text = '';
  try {
    for await (const chunk of res) {
      if (text.length < maxErrorBody) text += (chunk as Buffer).toString('utf8');
    }
  } catch {
    // the body of an error is informative only
  }
  return text;
}

/** `unauthorized: authentication required`, as the registry's error items read. */
export function describeRegistryErrors(body: string, status: number): { text: string; codes: string[] } {
  try {
    const parsed = JSON.parse(body) as { errors?: RegistryErrorItem[] };
    const items = (parsed.errors ?? []).filter((e) => e.code || e.message);
    if (items.length > 0) {
      return {
        text: items.map((e) => `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}${e.message ? `: ${e.message}` : ''}`).join(', '),
        codes: items.map((e) => e.code ?? ''),
      };
    }
  } catch {
    // not JSON
  }
  const trimmed = body.trim().slice(0, 200);
  return { text: trimmed ? `status ${status}: ${trimmed}` : `unexpected status ${status}`, codes: [] };
}

/** An error for a failed registry exchange; `what` says what was asked (`manifest for x:1`). */
export async function registryError(res: IncomingMessage, what: string): Promise<BerthError> {
  const status = res.statusCode ?? 0;
  const body = await readErrorBody(res);
  // HEAD answers have no body: say what the registry would have said.
  const { text, codes } = body.trim() === '' && status === 401
    ? { text: 'unauthorized: authentication required', codes: ['UNAUTHORIZED'] }
    : body.trim() === '' && status === 403
      ? { text: 'denied: requested access to the resource is denied', codes: ['DENIED'] }
      : describeRegistryErrors(body, status);
  const message = `${what}: ${text}`;
  if (status === 401 || codes.includes('UNAUTHORIZED')) return new Unauthorized(message);
  if (status === 403 || codes.includes('DENIED')) return new Forbidden(message);
  if (status === 404 || codes.some((c) => c.endsWith('_UNKNOWN'))) return new NotFound(message);
  if (status === 400) return new InvalidArgument(message);
  if (status >= 500) return new Unavailable(message);
  return new Internal(message);
}
