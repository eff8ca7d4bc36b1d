import { runOciCli } from '../runtime/oci-cli/run-oci-cli.js';

// Exit at once: all output was written synchronously, and a runner that is still on its way out
// after reporting (create, run -d, exec -d) need not be waited for.
process.exit(await runOciCli(process.argv.slice(2)));
