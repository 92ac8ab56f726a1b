import { connect } from 'node:net';

/**
 * Sends a request line exactly as given (no client-side normalisation of `..`, `//` or encodings)
 * and returns the status and body of the answer.
 */
export function rawRequest(
  port: number,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    let received = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer for ${target}`)));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const status = Number(head.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      resolve({ status, headers: head, body });
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}
