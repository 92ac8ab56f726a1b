/**
 * A fast webhook receiver for `bench/webhooks.ts`, in its own process: answers 204 at once and records
 * when each `webhook-id` arrived (first arrival), reported over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const arrivals = new Map<string, number>();
let requests = 0;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    requests++;
    const id = String(request.headers['webhook-id']);
    if (!arrivals.has(id)) arrivals.set(id, Date.now());
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { id: number; command: { type: string; ids?: string[] } }) => {
  const { id, command } = message;
  if (command.type === 'count') process.send?.({ id, result: { requests, unique: arrivals.size } });
  else if (command.type === 'arrivals') {
    process.send?.({ id, result: (command.ids ?? []).map((eventId) => arrivals.get(eventId) ?? null) });
  } else if (command.type === 'reset') {
    arrivals.clear();
    requests = 0;
    process.send?.({ id, result: true });
  }
});
process.on('disconnect', () => process.exit(0));
