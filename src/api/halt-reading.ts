import type { Socket } from 'node:net';

/**
 * Stops Node from reading a socket at all. pause() alone leaves libuv reading into the stream's
 * buffer, and bytes read there would never reach the shim that takes the descriptor over.
 */
export function haltReading(socket: Socket): void {
  socket.pause();
  const h = (socket as unknown as { _handle?: { readStop?: () => void; reading?: boolean } })._handle;
  h?.readStop?.();
  if (h) h.reading = false;
}
