/** Credentials as X-Registry-Auth and POST /auth carry them (moby api/types/registry.AuthConfig). */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of `username:password`, as config.json stores it. */
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** Reply of POST /auth. */
export interface AuthResponse {
  Status: string;
  IdentityToken?: string;
}
