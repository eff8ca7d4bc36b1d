export interface TtySize {
  height: number;
  width: number;
}

/** The terminal's size, or undefined when stdout is not a terminal or reports 0x0. */
export function terminalSize(stdout: NodeJS.WriteStream): TtySize | undefined {
  if (!stdout.isTTY) return undefined;
  const [width, height] = stdout.getWindowSize();
  return height > 0 && width > 0 ? { height, width } : undefined;
}

/**
 * Send the terminal size now and after every SIGWINCH. The first resize is retried a few times
 * because it can race the process start (docker's initTtySize does the same). Returns a stop
 * function.
 */
export function monitorTtySize(stdout: NodeJS.WriteStream, resize: (size: TtySize) => Promise<void>): () => void {
  const send = async (attempts: number) => {
    const size = terminalSize(stdout);
    if (!size) return;
    for (let i = 1; i <= attempts; i++) {
      try {
        await resize(size);
        return;
      } catch {
        if (i < attempts) await new Promise((r) => setTimeout(r, 10 * i));
      }
    }
  };
  void send(10);
  const onResize = () => void send(1);
  process.on('SIGWINCH', onResize);
  return () => process.off('SIGWINCH', onResize);
}
