import { Hono } from 'hono';
import type { AppEnv } from '../context';
import { isCredentialsRejected } from '../providers/errors';

/** The MCP SDK and server, loaded by the first `/mcp` call: a start that serves none does not load them. */
let mcpModules:
  | Promise<
      [
        typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
        typeof import('../mcp/server'),
      ]
    >
  | undefined;
const loadMcp = () =>
  (mcpModules ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
    import('../mcp/server'),
  ]));

/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, stateless (a server and transport per request, JSON
 * answers). The API key and `X-Linked-Account-Id` are checked by the same middleware as `/unified/*`.
 */
export function mcpRouter() {
  const router = new Hono<AppEnv>();
  router.all('/mcp', async (c) => {
    const [{ WebStandardStreamableHTTPServerTransport }, { createMcpServer }] = await loadMcp();
    let credentialsRejected: Error | undefined;
    const server = createMcpServer({
      services: c.get('services'),
      environmentId: c.get('environment').id,
      linkedAccount: c.get('linkedAccount'),
      requestId: c.get('requestId'),
      onToolError: (error) => {
        if (isCredentialsRejected(error)) credentialsRejected = error;
      },
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      const response = await transport.handleRequest(c.req.raw);
      // A tool's failure is an MCP answer, not a thrown error: hand this one to `linkedAccountResolution`,
      // which reads `c.error` after the handler to mark the account `needs_reauth`.
      if (credentialsRejected) c.error = credentialsRejected;
      return response;
    } finally {
      await server.close();
    }
  });
  return router;
}
