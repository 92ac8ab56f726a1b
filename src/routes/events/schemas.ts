import { z } from '@hono/zod-openapi';
import type { EventRow, LinkedAccountSettings } from '../../db/schema';
import { EVENT_TYPES } from '../../events/types';

export const EventSchema = z
  .object({
    id: z.string().openapi({ example: 'evt_2x8Hh4mJ7qK0aB3cD4eF5g' }),
    type: z.enum(EVENT_TYPES),
    created_at: z.string().openapi({ format: 'date-time' }),
    linked_account_id: z
      .string()
      .nullable()
      .openapi({ example: 'la_4kR9sTqW2mXb7YcN1pLdZe', description: 'Null on `webhook_endpoint.*` events.' }),
    data: z.object({
      object: z.record(z.string(), z.unknown()).openapi({
        description:
          'The unified record after the change (before it, for `.deleted`); for `linked_account.*` events the ' +
          'linked account or the sync pass.',
      }),
      previous_attributes: z.record(z.string(), z.unknown()).optional().openapi({
        description: 'On `.updated` and transition events: the fields that changed, with their old values.',
      }),
    }),
  })
  .openapi('Event', {
    description:
      'A change seen in the linked account (or to the account itself), in the order it was recorded.',
  });

export type EventResource = z.infer<typeof EventSchema>;

/** Fields a linked account with `hide_absence_details` keeps private, in events as in reads. */
const HIDDEN_ABSENCE_FIELDS = ['timeoff_type', 'employee_note', 'remote_data'];

export function toEventResource(event: EventRow, settings: LinkedAccountSettings | undefined): EventResource {
  let data = event.data as EventResource['data'];
  if (settings?.hide_absence_details === true && event.type.startsWith('timeoff_request.')) {
    const object = { ...data.object };
    for (const field of HIDDEN_ABSENCE_FIELDS) if (field in object) object[field] = null;
    const hidden: EventResource['data'] = { object };
    if (data.previous_attributes) {
      hidden.previous_attributes = Object.fromEntries(
        Object.entries(data.previous_attributes).filter(([key]) => !HIDDEN_ABSENCE_FIELDS.includes(key)),
      );
    }
    data = hidden;
  }
  return {
    id: event.id,
    type: event.type as EventResource['type'],
    created_at: event.createdAt.toISOString(),
    linked_account_id: event.linkedAccountId,
    data,
  };
}
