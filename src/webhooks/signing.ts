import { Webhook } from 'standardwebhooks';
import { base64url } from '../crypto/encoding';
import { randomBytes } from '../crypto/random';

/** A new endpoint secret: `whsec_` and 24 random bytes in base64, the form Standard Webhooks libraries take. */
export function newWebhookSecret(): string {
  const bytes = randomBytes(24);
  // Standard (not url-safe) base64: what the `standardwebhooks` verifiers decode.
  return `whsec_${base64url.encode(bytes).replace(/-/g, '+').replace(/_/g, '/')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The Standard Webhooks headers for one attempt: `webhook-id` is the event id (the same on every retry and
 * replay), and one `v1,…` signature per live secret, space-separated (two while a rotation overlaps).
 */
export function signWebhook(input: {
  secrets: string[];
  id: string;
  timestamp: Date;
  payload: string;
}): SignedHeaders {
  const signatures = input.secrets.map((secret) =>
    new Webhook(secret).sign(input.id, input.timestamp, input.payload),
  );
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
