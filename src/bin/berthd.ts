import { messageOf } from '../common/errors.js';
import { parseDaemonArgs, USAGE } from '../daemon/config.js';
import { startDaemon } from '../daemon/daemon.js';
import { BERTH_VERSION } from '../daemon/system-backend.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseDaemonArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`berthd: ${messageOf(err)}\nSee 'berthd --help'.\n`);
    process.exit(125);
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.version) {
    process.stdout.write(`Berth version ${BERTH_VERSION}\n`);
    return;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('berthd needs to be started with root privileges. To see how to run berthd, run "berthd --help".\n');
    process.exit(1);
  }
  let daemon;
  try {
    daemon = await startDaemon(parsed.config);
  } catch (err) {
    process.stderr.write(`failed to start daemon: ${messageOf(err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    daemon.log.info('received signal, shutting down', { signal: sig });
    void daemon.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => daemon.log.info('SIGHUP: configuration reload is not supported; ignored'));
  process.on('SIGPIPE', () => {});
  // A daemon logs what it did not expect and goes on serving: the containers do not depend on it.
  process.on('unhandledRejection', (err) => daemon.log.error('unhandled rejection', { error: err }));
  // Likewise for a throw in a callback: one client's request must not end the service for all.
  process.on('uncaughtException', (err) => daemon.log.error('uncaught exception', { error: err }));
}

void main();
