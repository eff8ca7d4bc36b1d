import type { RestartPolicy } from '../../api/types/index.js';

/**
 * `--restart` as docker's opts.ParseRestartPolicy reads it: `name[:count]`. The name is not
 * checked here; the daemon rejects unknown policies.
 */
export function parseRestartPolicy(text: string): Required<RestartPolicy> {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const count = colon < 0 ? '' : text.slice(colon + 1);
  if (colon === 0) throw new Error('invalid restart policy format: no policy provided before colon');
  if (count !== '' && !/^[-+]?\d+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
  return { Name: name as Required<RestartPolicy>['Name'], MaximumRetryCount: count === '' ? 0 : Number(count) };
}
