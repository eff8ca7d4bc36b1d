/**
 * Go's time.Time.String() in the local zone: "2026-11-22 18:55:45 +0000 UTC", with fractional
 * seconds only when non-zero. Zone abbreviations come from Intl, so zones without a common
 * abbreviation read "GMT+1" where Go would print "CET".
 */
export function formatGoTime(date: Date, nanos = 0): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const offsetMin = -date.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = `${sign}${pad(Math.trunc(abs / 60))}${pad(abs % 60)}`;
  let frac = '';
  if (nanos > 0) frac = `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${frac}`;
  return `${day} ${time} ${offset} ${zoneName(date, offsetMin)}`;
}

function zoneName(date: Date, offsetMin: number): string {
  if (offsetMin === 0 && (process.env['TZ'] === undefined || process.env['TZ'] === '' || process.env['TZ'] === 'UTC')) return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/** Go's time.Format with "Mon Jan _2 15:04:05 2006" (ANSIC), as `docker version` prints build times. */
export function formatAnsic(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${days[date.getDay()]} ${months[date.getMonth()]} ${String(date.getDate()).padStart(2, ' ')} ${time} ${date.getFullYear()}`;
}
