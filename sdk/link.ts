/**
 * Browser helper for the hosted link page: opens a link token's `url` in a popup and resolves with the linked
 * account id the page posts back (`{ type: "roster:linked", linked_account_id, state }`). The link token must
 * list your page's origin in `allowed_origins`. No dependencies; call it from a click handler, or the browser
 * blocks the popup.
 *
 * ```ts
 * button.onclick = async () => {
 *   const { linkedAccountId } = await openLink({ url: linkToken.url, state: 'your-session-ref' });
 * };
 * ```
 */

export interface OpenLinkOptions {
  /** The link token's `url` (from `POST /link-tokens`). */
  url: string;
  /** The `state` you sent with the link token: a message carrying another state is ignored. */
  state?: string;
  /** `window.open` features (default a 420×760 popup). */
  features?: string;
  /** Gives up (rejects with `LinkError` `aborted`) and closes the popup. */
  signal?: AbortSignal;
  /** Where to open it; default `window` (tests pass another). */
  window?: Window;
}

export interface LinkResult {
  linkedAccountId: string;
  state: string | null;
}

export type LinkErrorReason = 'popup_blocked' | 'closed' | 'aborted';

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly reason: LinkErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** How often the helper looks whether the admin closed the popup without finishing. */
const CLOSED_CHECK_MS = 500;

export function openLink(options: OpenLinkOptions): Promise<LinkResult> {
  const host = options.window ?? window;
  // Only the gateway that served the link page may answer: a message from any other origin is ignored.
  const gatewayOrigin = new URL(options.url, host.location.href).origin;
  // No `noopener`: the link page posts its result to `window.opener`.
  const popup = host.open(options.url, 'roster-link', options.features ?? 'popup,width=420,height=760');
  if (!popup) {
    return Promise.reject(
      new LinkError('popup_blocked', 'The browser blocked the popup; call openLink from a click handler.'),
    );
  }
  return new Promise<LinkResult>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      host.removeEventListener('message', onMessage);
      host.clearInterval(closedCheck);
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== gatewayOrigin || event.source !== popup) return;
      const data = event.data as { type?: unknown; linked_account_id?: unknown; state?: unknown } | null;
      if (data?.type !== 'roster:linked' || typeof data.linked_account_id !== 'string') return;
      const state = typeof data.state === 'string' ? data.state : null;
      if (options.state !== undefined && state !== options.state) return;
      finish(() => resolve({ linkedAccountId: data.linked_account_id as string, state }));
    };
    const onAbort = () =>
      finish(() => {
        popup.close();
        reject(new LinkError('aborted', 'Linking was cancelled.'));
      });
    // The page posts before it closes, so a closed popup with no message means the admin gave up.
    const closedCheck = host.setInterval(() => {
      if (popup.closed)
        finish(() => reject(new LinkError('closed', 'The link window was closed before linking.')));
    }, CLOSED_CHECK_MS);
    host.addEventListener('message', onMessage);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort);
  });
}
