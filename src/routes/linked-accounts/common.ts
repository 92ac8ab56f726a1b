import { z } from '@hono/zod-openapi';
import type { Services } from '../../context';
import { getLinkedAccount } from '../../db/queries/linked-accounts';
import type { LinkedAccount } from '../../db/schema';
import { ApiError } from '../../errors';
import { LinkedAccountSchema } from '../../models/linked-account';
import { singleEnvelope } from '../common';

export const LinkedAccountIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({
      param: { name: 'id', in: 'path' },
      description: 'The linked account id.',
      example: 'la_4kR9sTqW2mXb7YcN1pLdZe',
    }),
});

export const LinkedAccountResult = singleEnvelope(LinkedAccountSchema).openapi('LinkedAccountResult');

/** The caller's environment's account, or 404 — also for an account of another environment. */
export async function findLinkedAccount(
  services: Services,
  environmentId: string,
  id: string,
): Promise<LinkedAccount> {
  const linkedAccount = /^la_[0-9A-Za-z]{1,64}$/.test(id)
    ? await getLinkedAccount(services.db, { environmentId, id })
    : undefined;
  if (!linkedAccount) throw new ApiError('not_found', `No linked account ${id} in this environment.`);
  return linkedAccount;
}
