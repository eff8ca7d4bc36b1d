import { runCli } from '../cli/run-cli.js';

// A reader that goes away (`berth logs -f | head`) ends us as it ends the docker CLI.
for (const [stream, name] of [
  [process.stdout, 'stdout'],
  [process.stderr, 'stderr'],
] as const) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (name === 'stdout') process.stderr.write('write /dev/stdout: broken pipe\n');
    process.exit(1);
  });
}

const status = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, process.env);
// flush what is buffered for pipes before leaving; open sockets and stdin must not keep us alive
process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
