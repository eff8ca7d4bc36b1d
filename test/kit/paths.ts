import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/kit/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The real docker CLI the tests drive. */
export const DOCKER_CLI = process.env.BERTH_TEST_DOCKER ?? '/usr/local/bin/docker';
