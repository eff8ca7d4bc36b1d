import type { CliContext } from './cli-context.js';

/** docker's prompt: `<message> [y/N] `, true only for an answer starting with y or Y. */
export async function confirm(ctx: CliContext, message: string): Promise<boolean> {
  ctx.out(`${message} [y/N] `);
  const line = await readLine(ctx.streams.stdin);
  return /^\s*[yY]/.test(line);
}

function readLine(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.pause();
      resolve(text);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) {
        text = text.slice(0, text.indexOf('\n'));
        done();
      }
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.resume();
  });
}
