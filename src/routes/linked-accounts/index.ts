import { createRouter } from '../../lib/router';
import { registerCheckLinkedAccount } from './check';
import { registerDeleteLinkedAccount } from './delete';
import { registerGetLinkedAccount } from './get';
import { registerListLinkedAccounts } from './list';
import { registerUpdateLinkedAccount } from './update';

export function linkedAccountsRouter() {
  const router = createRouter();
  registerListLinkedAccounts(router);
  registerGetLinkedAccount(router);
  registerUpdateLinkedAccount(router);
  registerDeleteLinkedAccount(router);
  registerCheckLinkedAccount(router);
  return router;
}
