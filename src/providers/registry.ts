import type { ProviderDefinition, ProviderIntegration } from './definition';
import { personioDefinition } from './personio/definition';

/** Every provider the gateway serves. A new HRIS is one folder under `src/providers/` and one line here. */
const PROVIDERS: ProviderDefinition[] = [personioDefinition as ProviderDefinition];

export interface RegisteredIntegration {
  definition: ProviderDefinition;
  integration: ProviderIntegration;
}

/**
 * Adds a provider at run time (tests register fakes this way). Settings of a provider registered after
 * the configuration was parsed are not read from the environment: its `settings.read` gets `{}`.
 */
export function registerProvider(definition: ProviderDefinition): void {
  for (const existing of PROVIDERS) {
    if (existing.id === definition.id) throw new Error(`provider ${definition.id} is already registered`);
    for (const { id } of definition.integrations) {
      if (existing.integrations.some((integration) => integration.id === id)) {
        throw new Error(`integration ${id} is already served by ${existing.id}`);
      }
    }
  }
  PROVIDERS.push(definition);
}

export function providerDefinitions(): readonly ProviderDefinition[] {
  return PROVIDERS;
}

/** The provider serving an integration id (`personio-sandbox` → Personio), or undefined. */
export function findIntegration(integration: string): RegisteredIntegration | undefined {
  for (const definition of PROVIDERS) {
    const found = definition.integrations.find((candidate) => candidate.id === integration);
    if (found) return { definition, integration: found };
  }
  return undefined;
}

/** Every integration id, for documentation and error messages. */
export function integrationIds(): string[] {
  return PROVIDERS.flatMap((definition) => definition.integrations.map((integration) => integration.id));
}
