import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import type { AppEnv } from '../context';
import { createMcpServer } from '../mcp/server';

/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, stateless (a server and transport per request, JSON
 * answers). The API key and `X-Linked-Account-Id` are checked by the same middleware as `/unified/*`.
 */
export function mcpRouter() {
  const router = new Hono<AppEnv>();
  router.all('/mcp', async (c) => {
    const server = createMcpServer({
      services: c.get('services'),
      environmentId: c.get('environment').id,
      linkedAccount: c.get('linkedAccount'),
      requestId: c.get('requestId'),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  });
  return router;
}
