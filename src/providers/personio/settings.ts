import { z } from 'zod';
import type { ProviderSettings } from '../definition';

const personioId = z.string().regex(/^[A-Z0-9_]+$/, 'must be UPPER_SNAKE_CASE as Personio asks');

/** Personio's own settings; the generic upstream ones (`UPSTREAM_*`) are in `src/config.ts`. */
export interface PersonioSettings {
  /** e.g. `https://api.personio.de/v1` */
  baseUrl: string;
  partnerId: string | undefined;
  appId: string;
}

export const personioSettings: ProviderSettings<PersonioSettings> = {
  env: {
    PERSONIO_BASE_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .default('https://api.personio.de/v1'),
    PERSONIO_PARTNER_ID: personioId.optional(),
    PERSONIO_APP_ID: personioId.default('ROSTER'),
  },
  read: (values) => ({
    baseUrl: String(values.PERSONIO_BASE_URL).replace(/\/$/, ''),
    partnerId: values.PERSONIO_PARTNER_ID as string | undefined,
    appId: String(values.PERSONIO_APP_ID),
  }),
};
