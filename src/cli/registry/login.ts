import { createInterface } from 'node:readline';
import { authKey, dockerConfigDir, readDockerConfig, registryHostOf, writeDockerConfig } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const c of stream) text += c.toString();
  return text;
}

async function prompt(ctx: CliContext, question: string): Promise<string> {
  const rl = createInterface({ input: ctx.streams.stdin, output: ctx.streams.stdout, terminal: false });
  ctx.out(question);
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

/**
 * `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`: the daemon checks the credentials
 * against the registry (POST /auth), then they are stored in the docker config file as docker does.
 */
export function loginCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'login', description: 'Authenticate to a registry', usage: '[OPTIONS] [SERVER]' })
    .option('-p, --password <string>', 'Password or Personal Access Token (PAT)')
    .option('--password-stdin', 'Take the Password or Personal Access Token (PAT) from stdin')
    .option('-u, --username <string>', 'Username');
  return onAction<{ password?: string; passwordStdin?: boolean; username?: string }>(cmd, ctx, { args: { max: 1 }, run: async ([server], opts) => {
    let { username, password } = opts;
    if (opts.passwordStdin) {
      if (password !== undefined) throw new StatusError(1, '--password and --password-stdin are mutually exclusive\n');
      if (!username) throw new StatusError(1, 'Must provide --username with --password-stdin\n');
      password = (await readAll(ctx.streams.stdin)).replace(/\r?\n$/, '');
    } else if (password !== undefined) {
      ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    const host = registryHostOf(server ?? '');
    const key = authKey(host);
    if (!username) username = (await prompt(ctx, 'Username: ')).trim();
    if (!username) throw new StatusError(1, 'Error: Non-null Username Required\n');
    if (password === undefined) password = await prompt(ctx, 'Password: ');
    if (!password) throw new StatusError(1, 'Error: Password Required\n');
    const reply = await ctx.client.images.login({ username, password, serveraddress: key });
    const dir = dockerConfigDir(ctx.env);
    const config = await readDockerConfig(dir);
    config.auths = { ...(config.auths ?? {}) };
    config.auths[key] = reply.IdentityToken
      ? { auth: Buffer.from(`${username}:`).toString('base64'), identitytoken: reply.IdentityToken }
      : { auth: Buffer.from(`${username}:${password}`).toString('base64') };
    await writeDockerConfig(dir, config);
    ctx.out(`${reply.Status || 'Login Succeeded'}\n`);
  } });
}

/** `berth logout [SERVER]`: removes the stored credentials. */
export function logoutCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'logout', description: 'Log out from a registry', usage: '[SERVER]' });
  return onAction(cmd, ctx, { args: { max: 1 }, run: async ([server]) => {
    const key = authKey(registryHostOf(server ?? ''));
    const dir = dockerConfigDir(ctx.env);
    const config = await readDockerConfig(dir);
    const auths = { ...(config.auths ?? {}) };
    const found = Object.keys(auths).filter((k) => k === key || authKey(registryHostOf(k)) === key);
    if (found.length === 0) {
      ctx.out(`Not logged in to ${server ?? key}\n`);
      return;
    }
    ctx.out(`Removing login credentials for ${server ?? key}\n`);
    for (const k of found) delete auths[k];
    config.auths = auths;
    await writeDockerConfig(dir, config);
  } });
}
