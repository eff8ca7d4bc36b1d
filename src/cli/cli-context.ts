import { EngineClient, resolveDaemonAddress } from '../client/index.js';

export interface CliStreams {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/**
 * What every command needs: the streams, the environment and a client created on first use (so
 * flag errors and `--help` never touch the daemon).
 */
export class CliContext {
  readonly streams: CliStreams;
  readonly env: NodeJS.ProcessEnv;
  /** The `-H/--host` flag, set once the root options are parsed. */
  host: string | undefined;
  /** Status the command asked to exit with. */
  exitCode = 0;
  private engine: EngineClient | undefined;

  constructor(streams: CliStreams, env: NodeJS.ProcessEnv) {
    this.streams = streams;
    this.env = env;
  }

  get client(): EngineClient {
    this.engine ??= new EngineClient(resolveDaemonAddress(this.host, this.env), {
      apiVersion: this.env['BERTH_API_VERSION'] || this.env['DOCKER_API_VERSION'] || undefined,
    });
    return this.engine;
  }

  out(text: string): void {
    this.streams.stdout.write(text);
  }

  err(text: string): void {
    this.streams.stderr.write(text);
  }

  close(): void {
    this.engine?.close();
  }
}
