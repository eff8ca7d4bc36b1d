import { humanDuration } from '../../common/human-duration.js';

/** "<duration> ago" for a unix time in seconds, as the CREATED columns show it. */
export function timeAgo(unixSeconds: number, now = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}
