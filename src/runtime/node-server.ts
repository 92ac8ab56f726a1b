import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from '../lib/logger';
import { answerClientErrorsInEnvelope, requestErrorResponse } from './client-errors';

/**
 * `serve()` of @hono/node-server, plus error envelopes for what never reaches the app: the adapter's
 * refusals (its `errorHandler`, which `serve()` does not take) and the HTTP parser's (`clientError`).
 */
export function serveApp(
  options: {
    fetch: (request: Request) => Response | Promise<Response>;
    hostname: string;
    port: number;
    logger?: Pick<Logger, 'info' | 'error'>;
  },
  listening?: (info: AddressInfo) => void,
): Server {
  const server = createServer(
    getRequestListener(options.fetch, {
      hostname: options.hostname,
      errorHandler: (error) => requestErrorResponse(error, options.logger),
    }),
  );
  answerClientErrorsInEnvelope(server, options.logger);
  server.listen(options.port, options.hostname, () => listening?.(server.address() as AddressInfo));
  return server;
}
