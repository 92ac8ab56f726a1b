import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import {
  classifyAddress,
  EgressRefused,
  isAddressAllowed,
  type WebhookTargetPolicy,
  webhookUrlProblem,
} from '../webhooks/egress';
import { describeSendError, RESPONSE_BODY_LIMIT, type WebhookSender } from '../webhooks/sender';

type LookupAll = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupAll = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * Webhooks on Node: undici, redirects never followed, and a DNS lookup that refuses any name resolving to
 * an address the policy forbids. The check runs inside the connection's own lookup, so the address it
 * approves is the one connected to (a name that changes its answer between a check and the connect
 * cannot slip through).
 */
export function nodeWebhookSender(
  policy: WebhookTargetPolicy,
  options: { resolve?: LookupAll; connections?: number } = {},
): WebhookSender & { close(): Promise<void> } {
  const resolve = options.resolve ?? systemLookup;
  const guardedLookup = (
    hostname: string,
    lookupOptions: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((entry) => !isAddressAllowed(entry.address, policy));
      if (refused || addresses.length === 0) {
        const kind = refused ? classifyAddress(refused.address) : 'no';
        return callback(
          new EgressRefused(
            `refused by egress policy: ${hostname} resolves to a ${kind?.replace('_', '-')} address${refused ? ` (${refused.address})` : ''}`,
          ),
          [],
        );
      }
      if (lookupOptions.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
  const agent = new Agent({
    connections: options.connections ?? 16,
    keepAliveTimeout: 10_000,
    connect: { timeout: 10_000, lookup: guardedLookup as never },
  });

  return {
    async targetProblem(url) {
      const problem = webhookUrlProblem(url, policy);
      if (problem) return problem;
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) return null;
      return new Promise((done) =>
        resolve(host, (error, addresses) => {
          if (error) return done(`must resolve in DNS (${error.code ?? 'lookup failed'})`);
          const refused = addresses.find((entry) => !isAddressAllowed(entry.address, policy));
          done(
            refused
              ? `must not resolve to a ${classifyAddress(refused.address)?.replace('_', '-')} address (${refused.address})`
              : null,
          );
        }),
      );
    },
    async send(request) {
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      const problem = webhookUrlProblem(request.url, policy);
      if (problem) return { status: null, error: `refused by egress policy: URL ${problem}`, latencyMs: 0 };
      const url = new URL(request.url);
      const signal = AbortSignal.timeout(request.timeoutMs);
      let answer: Dispatcher.ResponseData;
      try {
        answer = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: request.headers,
          body: request.body,
          headersTimeout: request.timeoutMs,
          bodyTimeout: request.timeoutMs,
          signal,
        });
      } catch (error) {
        return {
          status: null,
          error: describeSendError(signal.aborted ? signal.reason : error, request.timeoutMs),
          latencyMs: latency(),
        };
      }
      let body = '';
      try {
        for await (const chunk of answer.body) {
          body += (chunk as Buffer).toString('utf8');
          if (body.length >= RESPONSE_BODY_LIMIT) break;
        }
      } catch {
        // A body cut short still leaves the status, which decides the outcome.
      } finally {
        answer.body.destroy();
      }
      return { status: answer.statusCode, body: body.slice(0, RESPONSE_BODY_LIMIT), latencyMs: latency() };
    },
    close: () => agent.close(),
  };
}
