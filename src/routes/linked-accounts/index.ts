import { createRouter } from '../../lib/router';
import { registerCheckLinkedAccount } from './check';
import { registerDeleteLinkedAccount } from './delete';
import { registerGetLinkedAccountFieldMappings } from './field-mappings-get';
import { registerPreviewLinkedAccountFieldMappings } from './field-mappings-preview';
import { registerPutLinkedAccountFieldMappings } from './field-mappings-put';
import { registerGetLinkedAccount } from './get';
import { registerListLinkedAccounts } from './list';
import { registerListRemoteFields } from './remote-fields';
import { registerStartLinkedAccountSync } from './sync-start';
import { registerGetLinkedAccountSync } from './sync-status';
import { registerUpdateLinkedAccount } from './update';

export function linkedAccountsRouter() {
  const router = createRouter();
  registerListLinkedAccounts(router);
  registerGetLinkedAccount(router);
  registerUpdateLinkedAccount(router);
  registerDeleteLinkedAccount(router);
  registerCheckLinkedAccount(router);
  registerStartLinkedAccountSync(router);
  registerGetLinkedAccountSync(router);
  registerListRemoteFields(router);
  registerGetLinkedAccountFieldMappings(router);
  registerPutLinkedAccountFieldMappings(router);
  registerPreviewLinkedAccountFieldMappings(router);
  return router;
}
