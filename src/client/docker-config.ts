/**
 * The docker CLI's config file (`$DOCKER_CONFIG/config.json`, by default `~/.docker/config.json`):
 * credentials under `auths`, keyed by server (`https://index.docker.io/v1/` for Docker Hub), as
 * base64 `user:password` in `auth` or an `identitytoken`. Other keys are kept as they are.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite } from '../common/atomic-write.js';
import { isNotFoundError } from '../common/errors.js';
import type { AuthConfig } from '../api/types/index.js';

export interface AuthEntry {
  auth?: string;
  identitytoken?: string;
  email?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  [key: string]: unknown;
}

export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker');
}

export async function readDockerConfig(dir: string): Promise<DockerConfigFile> {
  try {
    return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as DockerConfigFile;
  } catch (err) {
    if (isNotFoundError(err)) return {};
    throw new Error(`read ${join(dir, 'config.json')}: ${(err as Error).message}`, { cause: err });
  }
}

export async function writeDockerConfig(dir: string, config: DockerConfigFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await atomicWrite(join(dir, 'config.json'), JSON.stringify(config, null, '\t') + '\n', { mode: 0o600 });
}

/** The key credentials are stored under: Docker Hub's legacy URL, else the registry host. */
export function authKey(domain: string): string {
  return domain === 'docker.io' || domain === 'index.docker.io' ? DOCKER_HUB_AUTH_KEY : domain;
}

/** A registry host from what a user types after `login`: `http://127.0.0.1:5000/` → `127.0.0.1:5000`. */
export function registryHostOf(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' || host === '' ? 'docker.io' : host;
}

/** Stored credentials for the registry `domain`, as the Engine API takes them, or undefined. */
export function credentialsFor(config: DockerConfigFile, domain: string): AuthConfig | undefined {
  const want = authKey(domain);
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (key !== want && authKey(registryHostOf(key)) !== want) continue;
    if (entry.identitytoken) return { identitytoken: entry.identitytoken, serveraddress: want };
    if (!entry.auth) continue;
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i < 0) continue;
    return { username: text.slice(0, i), password: text.slice(i + 1), serveraddress: want };
  }
  return undefined;
}

/** X-Registry-Auth: base64url of the JSON, as the docker CLI sends it. */
export function encodeRegistryAuth(auth: AuthConfig | undefined): string {
  return Buffer.from(JSON.stringify(auth ?? {})).toString('base64url');
}
