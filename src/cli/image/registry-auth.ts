import { credentialsFor, dockerConfigDir, encodeRegistryAuth, readDockerConfig } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';

/** X-Registry-Auth for the registry `domain` from the docker config file (`{}` when none is stored). */
export async function registryAuthHeader(ctx: CliContext, domain: string): Promise<string> {
  const config = await readDockerConfig(dockerConfigDir(ctx.env));
  return encodeRegistryAuth(credentialsFor(config, domain));
}
