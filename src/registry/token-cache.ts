/** Bearer tokens by realm, service, scope and user, until shortly before they expire. */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expires <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  /** `expiresIn` in seconds; the token server's default is 60. Kept until 10 s before the end. */
  set(key: string, token: string, expiresIn = 60): void {
    this.tokens.set(key, { token, expires: this.now() + Math.max(0, expiresIn - 10) * 1000 });
  }
}
