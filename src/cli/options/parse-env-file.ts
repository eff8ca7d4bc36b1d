/**
 * Lines of an `--env-file` (docker's opts.ParseEnvFile): blank lines and `#` comments skipped,
 * `NAME=value` kept verbatim, a bare `NAME` takes the value from our environment or is dropped.
 */
export function parseEnvFile(content: string, options: { env: NodeJS.ProcessEnv; fileName?: string }): string[] {
  const { env, fileName = 'env file' } = options;
  const out: string[] = [];
  content.split('\n').forEach((raw, index) => {
    const line = raw.replace(/^\s+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq >= 0 ? line.slice(0, eq) : line;
    if (name === '') throw new Error(`no variable name on line '${line}'`);
    if (/\s/.test(name)) throw new Error(`variable '${name.trim()}' contains whitespaces`);
    if (name.includes('\0')) throw new Error(`${fileName}:${index + 1}: invalid variable name`);
    if (eq >= 0) out.push(line);
    else if (env[name] !== undefined) out.push(`${name}=${env[name]}`);
  });
  return out;
}

/** `-e NAME` takes our value when we have one, else is sent bare (opts.ValidateEnv). */
export function resolveEnvFlag(value: string, env: NodeJS.ProcessEnv): string {
  const eq = value.indexOf('=');
  if (eq === 0) throw new Error(`invalid environment variable: ${value}`);
  if (eq > 0) return value;
  const ours = env[value];
  return ours === undefined ? value : `${value}=${ours}`;
}
