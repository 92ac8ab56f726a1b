import type { Server } from 'node:http';

/**
 * Stops a server from taking new connections and waits for the requests it is serving to be answered, at
 * most `timeoutMs`; then cuts whatever is left. Idle keep-alive connections are closed as they become idle,
 * since a client could otherwise hold the server open indefinitely.
 */
export async function drainServer(server: Server, timeoutMs: number): Promise<'drained' | 'cut off'> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'cut off'>((resolve) => {
    timer = setTimeout(() => resolve('cut off'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
    if (outcome === 'cut off') {
      server.closeAllConnections();
      await closed;
    }
    return outcome;
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
