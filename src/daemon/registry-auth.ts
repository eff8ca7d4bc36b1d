import type { AuthBackend } from '../api/routes/auth.js';
import type { AuthConfig, AuthResponse } from '../api/types/index.js';
import { InvalidArgument } from '../common/errors.js';
import type { ImageService } from '../image/image-service.js';
import type { RegistryCredentials } from '../registry/registry-client.js';

/** The wire AuthConfig as the registry client takes it; `auth` (base64 user:password) is split. */
export function toRegistryCredentials(a: AuthConfig): RegistryCredentials | undefined {
  let { username, password } = a;
  if (!username && a.auth) {
    const text = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i < 0) throw new InvalidArgument('invalid auth configuration: "auth" is not base64 of username:password');
    username = text.slice(0, i);
    password = text.slice(i + 1);
  }
  const c: RegistryCredentials = {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(a.identitytoken ? { identityToken: a.identitytoken } : {}),
    ...(a.registrytoken ? { registryToken: a.registrytoken } : {}),
  };
  return Object.keys(c).length ? c : undefined;
}

/** `https://index.docker.io/v1/`, `http://127.0.0.1:5000/`, `localhost:5000` → the registry's domain. */
export function registryDomain(serverAddress: string | undefined): string {
  let s = (serverAddress ?? '').trim();
  if (!s) return 'docker.io';
  s = s.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return s === 'index.docker.io' || s === 'registry-1.docker.io' ? 'docker.io' : s;
}

/** POST /auth: the credentials are checked against the registry, nothing is stored. */
export class RegistryAuthBackend implements AuthBackend {
  constructor(private readonly images: ImageService) {}

  async login(auth: AuthConfig, signal: AbortSignal): Promise<AuthResponse> {
    const client = await this.images.registryClient(registryDomain(auth.serveraddress), toRegistryCredentials(auth));
    try {
      const { identityToken } = await client.login(signal);
      return { Status: 'Login Succeeded', IdentityToken: identityToken };
    } finally {
      client.close();
    }
  }
}
