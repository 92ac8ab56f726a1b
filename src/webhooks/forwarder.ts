import { sleepUnlessAborted } from '../lib/sleep';
import { signWebhook } from './signing';

export interface ForwardOptions {
  /** The running gateway, e.g. http://127.0.0.1:8080. */
  gatewayUrl: string;
  apiKey: string;
  forwardTo: string;
  /** Signs as an endpoint with this secret would be signed. */
  secret: string;
  /** `type` filter of `GET /events` (`employee.*,timeoff_request.approved`). */
  types?: string | undefined;
  pollMs?: number;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Called once the current end of the feed is known: only events after it are forwarded. */
  onReady?: () => void;
}

interface EventPage {
  result: { id: string; type: string }[];
  next_cursor: string | null;
}

/**
 * The developer loop (`npm run admin -- listen --forward-to …`): follows `GET /events` of the key's
 * environment from now on and POSTs each new event to a local URL, signed like a webhook delivery.
 * Nothing is stored: events that arrive while it is not running are not forwarded later (replay them with
 * a real endpoint instead).
 */
export async function forwardEvents(options: ForwardOptions): Promise<void> {
  const { signal } = options;
  const base = options.gatewayUrl.replace(/\/$/, '');
  const page = async (cursor: string | null): Promise<EventPage> => {
    const query = new URLSearchParams({ limit: '200' });
    if (options.types) query.set('type', options.types);
    if (cursor) query.set('cursor', cursor);
    const response = await fetch(`${base}/events?${query}`, {
      headers: { authorization: `Bearer ${options.apiKey}` },
      signal,
    });
    if (!response.ok) throw new Error(`GET /events answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as EventPage;
  };

  // Where the feed ends now: the cursor of its last page, and the events on that page (already there).
  let cursor: string | null = null;
  let seen = new Set<string>();
  for (;;) {
    const current = await page(cursor);
    if (!current.next_cursor) {
      seen = new Set(current.result.map((event) => event.id));
      break;
    }
    cursor = current.next_cursor;
  }
  options.onReady?.();

  while (!signal.aborted) {
    let current: EventPage;
    try {
      current = await page(cursor);
    } catch (error) {
      if (signal.aborted) return;
      options.log(`could not read events: ${error instanceof Error ? error.message : String(error)}`);
      await sleepUnlessAborted(options.pollMs ?? 1000, signal);
      continue;
    }
    for (const event of current.result) {
      if (seen.has(event.id) || signal.aborted) continue;
      seen.add(event.id);
      await forward(options, event);
    }
    if (current.next_cursor) {
      cursor = current.next_cursor;
      seen = new Set();
    } else {
      await sleepUnlessAborted(options.pollMs ?? 1000, signal);
    }
  }
}

async function forward(options: ForwardOptions, event: { id: string; type: string }) {
  const payload = JSON.stringify(event);
  const headers = signWebhook({ secrets: [options.secret], id: event.id, timestamp: new Date(), payload });
  try {
    const response = await fetch(options.forwardTo, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Roster-Webhooks/1 (listen)' },
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    options.log(`${event.type} ${event.id} → ${response.status}`);
  } catch (error) {
    options.log(
      `${event.type} ${event.id} → failed (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
