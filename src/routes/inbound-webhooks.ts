import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context';
import { findInboundWebhookByAccount } from '../db/queries/inbound-webhooks';
import { ApiError } from '../errors';
import { findIntegration } from '../providers/registry';
import { inboundTokenMatches } from '../services/inbound-webhooks';

/** Notifications carry ids only; anything near this size is not one. */
export const MAX_INBOUND_BODY_BYTES = 64 * 1024;

const refused = () => new ApiError('unauthorized', 'Unknown webhook or wrong token.');

/**
 * `POST /inbound/{provider}/{linked_account_id}`: where a provider delivers an account's change
 * notifications. Authenticated by the account's own token (no API key: the provider has none); an unknown
 * account and a wrong token get the same `401`, and nothing is written. The answer comes as soon as the
 * records are queued: Personio wants it within 3 s, the reads happen in the job.
 */
export function inboundWebhooksRouter() {
  const router = new Hono<AppEnv>();
  router.post(
    '/inbound/:provider/:linkedAccountId',
    bodyLimit({
      maxSize: MAX_INBOUND_BODY_BYTES,
      onError: () => {
        throw new ApiError(
          'payload_too_large',
          `Notifications may be at most ${MAX_INBOUND_BODY_BYTES} bytes.`,
        );
      },
    }),
    async (c) => {
      const services = c.get('services');
      const linkedAccountId = c.req.param('linkedAccountId');
      const found = /^la_[0-9A-Za-z]{1,64}$/.test(linkedAccountId)
        ? await findInboundWebhookByAccount(services.db, linkedAccountId)
        : undefined;
      const provider = found ? findIntegration(found.integration)?.definition : undefined;
      const hooks = found ? services.providers.inboundWebhooksOf(found.integration) : null;
      if (!found || !hooks || provider?.id !== c.req.param('provider')) throw refused();
      if (!(await inboundTokenMatches(services, found.webhook, hooks.presentedToken(c.req.raw.headers)))) {
        throw refused();
      }

      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        throw new ApiError('invalid_request', 'The body is not JSON.');
      }
      const changes = hooks.parse(body);
      if (changes.length > 0) {
        await services.jobs.inbound({
          environmentId: found.webhook.environmentId,
          linkedAccountId,
          integration: found.integration,
          changes,
        });
      }
      return c.json({ result: { accepted: changes.length } }, 202);
    },
  );
  return router;
}
