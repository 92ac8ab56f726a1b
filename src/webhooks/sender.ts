import { type WebhookTargetPolicy, webhookUrlProblem } from './egress';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** What came back: a status (redirects included: they are never followed) or why nothing did. */
export type WebhookResponse =
  | { status: number; body: string; latencyMs: number }
  | { status: null; error: string; latencyMs: number };

/** How webhooks leave the gateway. On Node: undici with an egress-checking DNS lookup; elsewhere `fetch`. */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
  /** Why this URL may not be a target (DNS included where the runtime can resolve), or null. */
  targetProblem(url: string): Promise<string | null>;
}

/** At most this much of a receiver's answer is kept in the deliveries log. */
export const RESPONSE_BODY_LIMIT = 1024;

/**
 * `fetch`-based sender for runtimes without DNS control (Workers, tests): literal addresses and `localhost`
 * are checked; redirects come back as they are.
 */
export function fetchWebhookSender(
  policy: WebhookTargetPolicy,
  fetchImpl: typeof fetch = fetch,
): WebhookSender {
  return {
    async targetProblem(url) {
      return webhookUrlProblem(url, policy);
    },
    async send(request) {
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      // Checked again at every attempt: the policy may have changed since the endpoint was made.
      const problem = webhookUrlProblem(request.url, policy);
      if (problem) return { status: null, error: `refused by egress policy: URL ${problem}`, latencyMs: 0 };
      try {
        const response = await fetchImpl(request.url, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(request.timeoutMs),
        });
        const body = await readLimited(response.body);
        return { status: response.status, body, latencyMs: latency() };
      } catch (error) {
        return { status: null, error: describeSendError(error, request.timeoutMs), latencyMs: latency() };
      }
    },
  };
}

async function readLimited(stream: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(all.subarray(0, RESPONSE_BODY_LIMIT));
}

export function describeSendError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof Error && cause.name === 'EgressRefused') return cause.message;
  if (error instanceof Error && error.name === 'EgressRefused') return error.message;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown })?.code;
  return typeof code === 'string' ? `connection failed (${code})` : 'connection failed';
}
