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

export interface RawAnswer {
  status: number;
  /** Header names in lower case; the last value wins. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes the given bytes as they are (anything a client could put on the wire) and reads the answer
 * until the server closes the connection.
 */
export function rawExchange(port: number, bytes: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer within 30 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const received = Buffer.concat(chunks).toString('latin1');
      const split = received.indexOf('\r\n\r\n');
      const head = split === -1 ? received : received.slice(0, split);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(statusLine.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0),
        headers,
        body: split === -1 ? '' : received.slice(split + 4),
      });
    });
    socket.write(bytes);
  });
}
