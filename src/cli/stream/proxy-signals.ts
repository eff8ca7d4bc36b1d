/** Signals the CLI passes on to the container (those Node lets us catch). */
const PROXIED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

/**
 * Forward signals we receive to the container through the kill endpoint, as `--sig-proxy` does;
 * names go without the SIG prefix, as docker sends them. Returns a stop function.
 */
export function proxySignals(kill: (signal: string) => Promise<void>, onError: (err: unknown) => void = () => {}): () => void {
  const handlers = PROXIED.map((sig) => {
    const handler = () => void kill(sig.slice(3)).catch(onError);
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}
