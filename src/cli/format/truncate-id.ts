/** The short form docker shows: algorithm prefix dropped, 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}
